using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>Argument parsing for METH_FASTCALL | METH_KEYWORDS functions: positional values, then keywords by name.</summary>
internal static unsafe class FastCallArgs
{
    /// <summary>
    /// Fills <paramref name="values"/> (borrowed, 0 when not given) in the order of <paramref name="names"/>; the first
    /// <paramref name="required"/> must be given. Throws a <see cref="PythonError"/> TypeError otherwise.
    /// </summary>
    internal static void Parse(string function, nint* args, nint nargs, nint kwnames, string[] names, int required, Span<nint> values)
    {
        if (nargs > names.Length)
            throw PythonError.Type($"{function}() takes at most {names.Length} arguments ({nargs} given)");
        values.Clear();
        for (var i = 0; i < nargs; i++)
            values[i] = args[i];
        if (kwnames != 0)
        {
            var keywords = new BorrowedRef(kwnames);
            for (var k = 0; k < Interop.TupleSize(keywords); k++)
            {
                var name = Interop.AsString(Interop.TupleItem(keywords, k));
                var index = Array.IndexOf(names, name);
                if (index < 0)
                    throw PythonError.Type($"{function}() got an unexpected keyword argument '{name}'");
                if (values[index] != 0)
                    throw PythonError.Type($"{function}() got multiple values for argument '{name}'");
                values[index] = args[nargs + k];
            }
        }
        for (var i = 0; i < required; i++)
        {
            if (values[i] == 0)
                throw PythonError.Type($"{function}() missing required argument '{names[i]}'");
        }
    }

    internal static bool IsGiven(nint value) => value != 0 && value != LibPython.NoneObject;

    internal static string String(string function, string name, nint value) =>
        Interop.HasTypeFlag(value, Interop.Py_TPFLAGS_UNICODE_SUBCLASS)
            ? Interop.AsString(new BorrowedRef(value))
            : throw PythonError.Type($"{function}() argument '{name}' must be str, not {Interop.TypeName(Interop.TypeOf(value))}");

    internal static string? OptionalString(string function, string name, nint value) => IsGiven(value) ? String(function, name, value) : null;

    /// <summary>A timeout in seconds (int or float), or null for the host's default.</summary>
    internal static TimeSpan? Seconds(string function, string name, nint value)
    {
        if (!IsGiven(value))
            return null;
        var seconds = PyConvert.FromPython(new BorrowedRef(value)) switch
        {
            long l => l,
            double d => d,
            _ => throw PythonError.Type($"{function}() argument '{name}' must be a number of seconds"),
        };
        return seconds > 0 && double.IsFinite(seconds)
            ? TimeSpan.FromSeconds(seconds)
            : throw PythonError.Value($"{function}() argument '{name}' must be a positive number of seconds");
    }

    /// <summary>
    /// Headers: a dict of non-empty str to str, or None. Measured in Python first — count, then the UTF-8 bytes of
    /// names and values, checked with <paramref name="binding"/> — so headers over the limit are refused before any
    /// is copied out (a 100 MiB header never becomes a .NET string).
    /// </summary>
    internal static IReadOnlyDictionary<string, string>? Headers(string function, string topic, nint value, IPluginBinding binding)
    {
        if (!IsGiven(value))
            return null;
        if (!Interop.HasTypeFlag(value, Interop.Py_TPFLAGS_DICT_SUBCLASS))
            throw PythonError.Type($"{function}() headers must be a dict of str to str, not {Interop.TypeName(Interop.TypeOf(value))}");
        var dict = new BorrowedRef(value);
        // Every header takes at least one byte (its name): a dict with more entries than the limit has bytes is refused unread.
        var count = Interop.DictSize(dict);
        CheckHeaderBytes(binding, topic, count);
        long bytes = 0;
        nint position = 0;
        while (Interop.DictNext(dict, ref position, out var name, out var text))
        {
            if (!Interop.HasTypeFlag(name, Interop.Py_TPFLAGS_UNICODE_SUBCLASS) || !Interop.HasTypeFlag(text, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
            {
                var wrong = Interop.HasTypeFlag(name, Interop.Py_TPFLAGS_UNICODE_SUBCLASS) ? text : name;
                throw PythonError.Type($"{function}() headers must be a dict of str to str, not {Interop.TypeName(Interop.TypeOf(wrong))} ({(wrong == name ? "a name" : "a value")})");
            }
            var nameBytes = Interop.Utf8Span(new BorrowedRef(name), "a header name").Length;
            if (nameBytes == 0)
                throw PythonError.Value($"{function}() header names must not be empty");
            bytes += nameBytes + Interop.Utf8Span(new BorrowedRef(text), "a header value").Length;
        }
        CheckHeaderBytes(binding, topic, bytes);
        var headers = new Dictionary<string, string>((int)count, StringComparer.Ordinal);
        position = 0;
        while (Interop.DictNext(dict, ref position, out var name, out var text))
            headers[Interop.AsString(new BorrowedRef(name))] = Interop.AsString(new BorrowedRef(text));
        return headers;
    }

    /// <summary>The host's limit on header bytes; its refusal is the ValueError <see cref="IPluginBinding.CheckHeaderBytes"/> documents.</summary>
    private static void CheckHeaderBytes(IPluginBinding binding, string topic, long bytes)
    {
        try
        {
            binding.CheckHeaderBytes(topic, bytes);
        }
        catch (Exception e) when (e is not PythonError)
        {
            throw PythonError.FromHost(e);
        }
    }
}
