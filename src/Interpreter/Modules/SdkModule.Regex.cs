using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

// pluginhost._regex_compiler and _regex_close: the re._compiler.compile bootstrap.py installs in each plugin instance,
// over the process's RegexCache. A builtin function, not Python: it adds no frame, so the stack re._parser counts for
// its warnings' stacklevel, and the traceback of a re.error, are what they are without the host. It adds to the cache
// only between _regex_compiler and _regex_close, while the bootstrap imports the standard library and no code of the
// plugin's has run: what the cache holds was made by CPython's own re, never by one a plugin altered.
internal static unsafe partial class SdkModule
{
    private const int RegexMethodCount = 2;

    // The compile function's definition: process-wide static memory like the module's, made with it.
    private static PyMethodDef* s_regexCompile;

    // What _regex_compiler's function holds as its self: (compile, _sre.compile, _parser.parse, _compiler._code, DEBUG,
    // the pluginhost module, whose binding says whether it may learn).
    private const int Original = 0, SreCompile = 1, Parse = 2, CodeOf = 3, Debug = 4, Module = 5;

    // _parser.parse warns only on these (3.12, 3.13: "[[", a doubled set operator, a conditional group's name); a
    // pattern holding one is never kept, so it warns at its first compile in each interpreter as without the host.
    private static readonly string[] WarningMarks = ["[[", "--", "&&", "~~", "||", "(?("];

    private static void AddRegexMethods(PyMethodDef* methods)
    {
        methods[0] = Method("_regex_compiler", (delegate* unmanaged<nint, nint*, nint, nint>)&RegexCompiler, Interop.METH_FASTCALL,
            "_regex_compiler(compile, sre_compile, parse, code, debug) -> compile\n\nre._compiler.compile over the process's cache of compiled patterns (once per interpreter).");
        methods[1] = Method("_regex_close", (delegate* unmanaged<nint, nint, nint>)&RegexClose, Interop.METH_NOARGS,
            "_regex_close() -> None\n\nFrom now on this interpreter's compiled patterns are its own (the cache is still read).");
        s_regexCompile = NativeMemoryBlock.Array<PyMethodDef>(1);
        *s_regexCompile = Method("compile", (delegate* unmanaged<nint, nint*, nuint, nint, nint>)&RegexCompile, Interop.METH_FASTCALL | Interop.METH_KEYWORDS,
            "compile(p, flags=0)\n\nre._compiler.compile, building a pattern another interpreter compiled from what it made.");
    }

    // Arguments are borrowed; the result is a new reference to the builtin function (it holds its own references).
    [UnmanagedCallersOnly]
    private static nint RegexCompiler(nint module, nint* args, nint nargs)
    {
        try
        {
            if (nargs != 5)
                throw PythonError.Type($"_regex_compiler() takes 5 arguments (compile, sre_compile, parse, code, debug), {nargs} given");
            var binding = State(module)->Target;
            if (binding is not null && binding.RegexLearning != 0)
                throw PythonError.Runtime("_regex_compiler() is the host's, called once by the bootstrap");
            using var held = Interop.NewTuple(6);
            for (var i = 0; i < 6; i++)
            {
                var item = i < 5 ? args[i] : module;
                Interop.IncRef(item);
                Interop.TupleSet(held.Borrow(), i, new StolenRef(item));   // the reference just taken
            }
            var function = Interop.NewBuiltinFunction(s_regexCompile, held.Borrow());
            if (binding is not null)
                binding.RegexLearning = 1;   // without a binding (no plugin instance) it only reads the cache
            return function.Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint RegexClose(nint module, nint unused)
    {
        try
        {
            if (State(module)->Target is { } binding)
                binding.RegexLearning = 2;
            return Interop.NewNone().Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    // self is the tuple above (borrowed); arguments are borrowed. New reference to the Pattern, or NULL with the
    // error set (what the original compile raised is passed on untouched).
    [UnmanagedCallersOnly]
    private static nint RegexCompile(nint self, nint* args, nuint nargsf, nint kwnames)
    {
        try
        {
            var held = new BorrowedRef(self);
            var original = Interop.TupleItem(held, Original).Pointer;
            var nargs = (long)((ulong)nargsf & ~Interop.PY_VECTORCALL_ARGUMENTS_OFFSET);
            if (kwnames != 0 || nargs is < 1 or > 2 || Shareable(args[0], nargs == 2 ? args[1] : 0, held) is not { } shareable)
                return Interop.VectorcallRaw(original, args, nargsf, kwnames);
            var (pattern, flags) = shareable;
            var entry = RegexCache.Find(pattern, flags, out var keepable);
            if (entry is not null)
                return Build(held, args[0], entry);
            var compiled = Interop.VectorcallRaw(original, args, nargsf, kwnames);
            // Learning is over once the bootstrap closed it: every later miss goes straight back.
            if (compiled != 0 && keepable && Learning(held) && !WarningMarks.Any(mark => pattern.Contains(mark, StringComparison.Ordinal)))
                Learn(held, args[0], pattern, flags);
            return compiled;
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    /// <summary>
    /// The pattern as the cache's text (bytes as Latin-1) and the flags, when this compile may use the cache: a str or
    /// bytes pattern (not an already parsed one), int flags without DEBUG (which prints), text .NET can hold.
    /// </summary>
    private static (RegexCache.Text, long)? Shareable(nint p, nint flagsObject, BorrowedRef held)
    {
        long flags = 0;
        if (flagsObject != 0)
        {
            if (!Interop.HasTypeFlag(flagsObject, Interop.Py_TPFLAGS_LONG_SUBCLASS) || Interop.AsLong(new BorrowedRef(flagsObject)) is not { } value)
                return null;
            flags = value;
        }
        var debug = Interop.AsLong(Interop.TupleItem(held, Debug)) ?? 0;
        if ((flags & debug) != 0)
            return null;
        if (Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_BYTES_SUBCLASS))
            return (RegexCache.Text.Of(Interop.BytesSpan(new BorrowedRef(p))), flags);
        if (!Interop.HasTypeFlag(p, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
            return null;
        try
        {
            return (RegexCache.Text.Of(Interop.AsString(new BorrowedRef(p))), flags);
        }
        catch (PythonException)
        {
            return null;   // lone surrogates: no UTF-8 for .NET to hold (the error is already cleared)
        }
    }

    /// <summary>Whether the interpreter whose pluginhost module <paramref name="held"/> names may still add to the cache.</summary>
    private static bool Learning(BorrowedRef held) => State(Interop.TupleItem(held, Module).Pointer)->Target?.RegexLearning == 1;

    /// <summary>_sre.compile(p, flags, code, groups, groupindex, indexgroup) from a kept entry.</summary>
    private static nint Build(BorrowedRef held, nint p, RegexCache.Entry entry)
    {
        using var flags = Interop.NewLong(entry.Flags);
        using var code = PyConvert.ToPython(entry.Code);
        using var groups = Interop.NewLong(entry.Groups);
        using var groupIndex = PyConvert.ToPython(entry.GroupIndex);
        using var indexGroup = Interop.NewTuple(entry.IndexGroup.Length);
        for (var i = 0; i < entry.IndexGroup.Length; i++)
            Interop.TupleSet(indexGroup.Borrow(), i, PyConvert.ToPython(entry.IndexGroup[i]).Steal());
        return Interop.CallRaw(Interop.TupleItem(held, SreCompile).Pointer,
            [p, flags.Borrow().Pointer, code.Borrow().Pointer, groups.Borrow().Pointer, groupIndex.Borrow().Pointer, indexGroup.Borrow().Pointer]);
    }

    /// <summary>
    /// After the original compile succeeded, while the interpreter may still add to the cache (<see cref="Learning"/>):
    /// parses and compiles the pattern again with the functions held since the bootstrap (deterministic, once per
    /// process) to keep what _sre.compile was given. A failure here only means nothing is kept; the compile's own
    /// result stands.
    /// </summary>
    private static void Learn(BorrowedRef held, nint p, RegexCache.Text pattern, long flags)
    {
        try
        {
            using var flagsObject = Interop.NewLong(flags);
            using var parsed = Interop.CheckNew(Interop.CallRaw(Interop.TupleItem(held, Parse).Pointer, [p, flagsObject.Borrow().Pointer]));
            using var code = Interop.CheckNew(Interop.CallRaw(Interop.TupleItem(held, CodeOf).Pointer, [parsed.Borrow().Pointer, flagsObject.Borrow().Pointer]));
            using var state = Interop.GetAttr(parsed.Borrow(), "state");
            using var groupDict = Interop.GetAttr(state.Borrow(), "groupdict");
            using var groups = Interop.GetAttr(state.Borrow(), "groups");
            using var stateFlags = Interop.GetAttr(state.Borrow(), "flags");
            RegexCache.Keep(pattern, flags, RegexCache.Entry.From(
                flags | (Interop.AsLong(stateFlags.Borrow()) ?? 0),
                PyConvert.FromPython(code.Borrow()),
                Interop.AsLong(groups.Borrow()) ?? 0,
                PyConvert.FromPython(groupDict.Borrow())));
        }
        catch (InvalidOperationException)
        {
            // Not the shapes this mirrors (a changed re): nothing is kept.
        }
        catch (PythonException)
        {
            // The error is already taken from the interpreter.
        }
    }
}
