using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

/// <summary>Argument parsing for METH_FASTCALL | METH_KEYWORDS functions: positional values, then keywords by name.</summary>
internal static unsafe class FastCallArgs
{
    /// <summary>
    /// Fills <paramref name="values"/> (borrowed, 0 when not given) in the order of <paramref name="names"/>; the first
    /// <paramref name="required"/> must be given. Throws <see cref="ArgumentException"/> (TypeError in Python) otherwise.
    /// </summary>
    internal static void Parse(string function, nint* args, nint nargs, nint kwnames, string[] names, int required, Span<nint> values)
    {
        if (nargs > names.Length)
            throw new InvalidCastException($"{function}() takes at most {names.Length} arguments ({nargs} given)");
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
                    throw new InvalidCastException($"{function}() got an unexpected keyword argument '{name}'");
                if (values[index] != 0)
                    throw new InvalidCastException($"{function}() got multiple values for argument '{name}'");
                values[index] = args[nargs + k];
            }
        }
        for (var i = 0; i < required; i++)
        {
            if (values[i] == 0)
                throw new InvalidCastException($"{function}() missing required argument '{names[i]}'");
        }
    }

    internal static bool IsGiven(nint value) => value != 0 && value != LibPython.NoneObject;

    internal static string String(string function, string name, nint value) =>
        Interop.HasTypeFlag(value, Interop.Py_TPFLAGS_UNICODE_SUBCLASS)
            ? Interop.AsString(new BorrowedRef(value))
            : throw new InvalidCastException($"{function}() argument '{name}' must be str, not {Interop.TypeName(Interop.TypeOf(value))}");

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
            _ => throw new InvalidCastException($"{function}() argument '{name}' must be a number of seconds"),
        };
        return seconds > 0 && double.IsFinite(seconds)
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{function}() argument '{name}' must be a positive number of seconds");
    }

    /// <summary>Headers: a dict of str to str, or None.</summary>
    internal static IReadOnlyDictionary<string, string>? Headers(string function, nint value)
    {
        if (!IsGiven(value))
            return null;
        if (PyConvert.FromPython(new BorrowedRef(value)) is not Dictionary<string, object?> dict || dict.Values.Any(v => v is not string))
            throw new InvalidCastException($"{function}() headers must be a dict of str to str");
        return dict.ToDictionary(h => h.Key, h => (string)h.Value!);
    }
}
