using System.Collections;
using System.Numerics;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>
/// Copies values between .NET and the attached interpreter. Supported both ways: None/null, bool, int (64-bit, or
/// BigInteger beyond), float/double, str/string, bytes/byte[], list and tuple/arrays, dict with str keys/dictionaries.
/// Anything else is refused with a message naming the type, never passed as an opaque object.
/// </summary>
internal static class PyConvert
{
    private const int MaxDepth = 64;

    internal const string Supported = "None, bool, int, float, str, bytes, bytearray, list, tuple, dict with str keys";

    internal static NewRef ToPython(object? value, int depth = 0)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"Value is nested deeper than {MaxDepth} levels (a cycle?).");
        return value switch
        {
            null => Interop.NewNone(),
            bool b => Interop.NewBool(b),
            string s => Interop.NewString(s),
            byte[] bytes => Interop.NewBytes(bytes),
            ReadOnlyMemory<byte> memory => Interop.NewBytes(memory.Span),
            Memory<byte> memory => Interop.NewBytes(memory.Span),
            int or long or short or sbyte or byte or ushort or uint => Interop.NewLong(Convert.ToInt64(value)),
            ulong u when u <= long.MaxValue => Interop.NewLong((long)u),
            ulong or BigInteger => Interop.Evaluate(value.ToString()!, "<int>", Interop.Py_eval_input, Interop.MainModuleDict()),
            double d => Interop.NewFloat(d),
            float f => Interop.NewFloat(f),
            IDictionary dictionary => ToDict(dictionary, depth),
            IEnumerable sequence => ToList(sequence, depth),
            _ => throw new ArgumentException($"A .NET {value.GetType().Name} cannot be passed to Python; supported: null, bool, integers, double, string, byte[], lists and string-keyed dictionaries of these."),
        };
    }

    internal static object? FromPython(BorrowedRef o, int depth = 0)
    {
        if (depth > MaxDepth)
            throw new InvalidCastException($"Python value is nested deeper than {MaxDepth} levels.");
        var p = o.Pointer;
        if (p == LibPython.NoneObject)
            return null;
        if (Interop.TypeOf(p) == LibPython.BoolType)
            return p == LibPython.TrueObject;
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
            return Interop.AsString(o);
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_BYTES_SUBCLASS))
            return Interop.BytesSpan(o).ToArray();
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_LONG_SUBCLASS))
            return Interop.AsLong(o) is { } l ? (object)l : BigInteger.Parse(Interop.Str(o));
        if (Interop.IsFloat(p))
            return Interop.AsDouble(o);
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_LIST_SUBCLASS))
            return FromSequence(o, Interop.ListSize(o), Interop.ListItem, depth);
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_TUPLE_SUBCLASS))
            return FromSequence(o, Interop.TupleSize(o), Interop.TupleItem, depth);
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_DICT_SUBCLASS))
            return FromDict(o, depth);
        var typeName = Interop.TypeName(Interop.TypeOf(p));
        if (typeName == "bytearray")
            return Interop.ByteArraySpan(o).ToArray();
        throw new InvalidCastException($"A Python '{typeName}' cannot be returned to .NET; supported: {Supported}.");
    }

    private delegate BorrowedRef ItemAt(BorrowedRef sequence, int index);

    private static object?[] FromSequence(BorrowedRef sequence, int size, ItemAt itemAt, int depth)
    {
        var items = new object?[size];
        for (var i = 0; i < size; i++)
            items[i] = FromPython(itemAt(sequence, i), depth + 1);
        return items;
    }

    private static Dictionary<string, object?> FromDict(BorrowedRef dict, int depth)
    {
        var result = new Dictionary<string, object?>();
        nint position = 0;
        while (Interop.DictNext(dict, ref position, out var key, out var value))
        {
            if (!Interop.HasTypeFlag(key, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
                throw new InvalidCastException($"A dict key of type '{Interop.TypeName(Interop.TypeOf(key))}' cannot be returned to .NET; keys must be str.");
            result[Interop.AsString(new BorrowedRef(key))] = FromPython(new BorrowedRef(value), depth + 1);
        }
        return result;
    }

    private static NewRef ToList(IEnumerable sequence, int depth)
    {
        var items = sequence.Cast<object?>().ToList();
        var list = Interop.NewList(items.Count);
        try
        {
            for (var i = 0; i < items.Count; i++)
            {
                var item = ToPython(items[i], depth + 1);
                Interop.ListSet(list.Borrow(), i, item.Steal());
            }
            return list;
        }
        catch
        {
            list.Dispose();
            throw;
        }
    }

    private static NewRef ToDict(IDictionary dictionary, int depth)
    {
        var dict = Interop.NewDict();
        try
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                if (entry.Key is not string key)
                    throw new ArgumentException($"Dictionary keys passed to Python must be strings, not {entry.Key.GetType().Name}.");
                using var value = ToPython(entry.Value, depth + 1);
                Interop.DictSet(dict.Borrow(), key, value.Borrow());
            }
            return dict;
        }
        catch
        {
            dict.Dispose();
            throw;
        }
    }
}
