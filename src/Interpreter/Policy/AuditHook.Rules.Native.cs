using System.Text;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

internal static unsafe partial class AuditHook
{
    // Native code and code objects: decided by what is loaded (the real file, the init symbol CPython will call, the
    // bytes of a code object), never by the name asked for.
    private readonly ref partial struct Rules
    {
        private const string WhyCode = "a code object built from data is unchecked bytecode, which can crash or corrupt the whole host process as native code can";
        private const string WhyRenamed = "an extension module of the standard library loaded under another name runs the init function of that name; only its own name is allowed";

        private int Import()
        {
            var module = Utf8(Arg(0));
            var file = Arg(1);
            if (file == 0 || file == LibPython.NoneObject)
            {
                // The first event of an import statement: an early, clear refusal of a top-level name (a plugin's own
                // pkg._test_helpers is not CPython's); the file event below decides for every way of loading.
                return ModuleRule(module) is { } rule and not ModuleKind.Internals ? ApplyModuleRule(rule, Encoding.UTF8.GetString(module)) : 0;
            }
            // An extension module's shared object, about to be dlopen'ed and its PyInit_<last name component> called.
            using var path = PathArg.From(file);
            if (!path.IsPath)
                return Unknown("import", "(an extension module without a file name)", write: false);
            var buffer = compiled.PathBuffer;
            var length = PathRules.Resolve(path.Bytes, path.Length, -1, buffer, out var exists);
            var text = Encoding.UTF8.GetString(module);
            if (length <= 0 || !exists)
                return Require(Capability.NativeCode, "import", $"{text} from '{path.Text}'", "extension modules from outside the standard library are native code; " + WhyNative);
            var resolved = new ReadOnlySpan<byte>(buffer, length);
            // Trusted only as written: inside lib-dynload, through no symlink (which could be swapped before dlopen).
            var trusted = PathRules.Under(resolved, compiled.Registry.TrustedNative) && resolved.SequenceEqual(new ReadOnlySpan<byte>(path.Bytes, path.Length));
            if (!trusted)
                return Require(Capability.NativeCode, "import", $"{text} from '{Encoding.UTF8.GetString(resolved)}'", "extension modules from outside the standard library are native code; " + WhyNative);
            var stem = FileStem(resolved);
            var symbol = ShortName(module);
            if (!stem.SequenceEqual(symbol))
                return Deny("import", $"{text} from '{Encoding.UTF8.GetString(resolved)}'", Capability.None, WhyRenamed);
            if (ModuleRule(stem) is { } byFile && ApplyModuleRule(byFile, text) is var decision and not 0)
                return decision;
            return SinglePhaseModules.Contains(stem) && !IsMultiPhaseHere(stem) && !Policy.AllowSinglePhaseModules ? RefuseSinglePhase(text) : 0;
        }

        // 3.13 made these multi-phase (nis and ossaudiodev are gone from it).
        private static bool IsMultiPhaseHere(ReadOnlySpan<byte> stem) =>
            !Interop.Version.StartsWith("3.12.", StringComparison.Ordinal)
            && (stem.SequenceEqual("_ctypes"u8) || stem.SequenceEqual("_datetime"u8) || stem.SequenceEqual("_decimal"u8)
                || stem.SequenceEqual("_elementtree"u8) || stem.SequenceEqual("pyexpat"u8) || stem.SequenceEqual("_lsprof"u8));

        /// <summary>CPython's own refusal (an ImportError, which callers expect), before the module's init runs.</summary>
        private static int RefuseSinglePhase(string module)
        {
            Interop.Raise(LibPython.ImportErrorType, $"module {module} does not support loading in subinterpreters");
            return -1;
        }

        private enum ModuleKind
        {
            Interpreters,
            Shared,
            Semaphores,
            Foreign,
            Internals,
        }

        /// <summary>What a module of the standard library reaches beyond this interpreter, by the name of its init function / file.</summary>
        private static ModuleKind? ModuleRule(ReadOnlySpan<byte> name)
        {
            // Run code in any interpreter by id.
            if (name.SequenceEqual("_interpreters"u8) || name.SequenceEqual("_xxsubinterpreters"u8))
                return ModuleKind.Interpreters;
            // Process-wide registries of queues and channels, open to every interpreter by id.
            if (name.SequenceEqual("_interpqueues"u8) || name.SequenceEqual("_xxinterpqueues"u8)
                || name.SequenceEqual("_interpchannels"u8) || name.SequenceEqual("_xxinterpchannels"u8))
                return ModuleKind.Shared;
            // Named semaphores in /dev/shm, made by SemLock's constructor (no method to guard): for child processes.
            if (name.SequenceEqual("_multiprocessing"u8))
                return ModuleKind.Semaphores;
            if (name.SequenceEqual("_ctypes"u8) || name.SequenceEqual("_cffi_backend"u8))
                return ModuleKind.Foreign;
            // CPython's test and example modules: raw C-API internals (memory, audit hooks, interpreter state, other processes).
            if (name.StartsWith("_test"u8) || name.StartsWith("_xxtest"u8) || name.SequenceEqual("_ctypes_test"u8)
                || name.StartsWith("xxlimited"u8) || name.SequenceEqual("xxsubtype"u8))
                return ModuleKind.Internals;
            return null;
        }

        private int ApplyModuleRule(ModuleKind kind, string module) => kind switch
        {
            ModuleKind.Interpreters => Deny("import", module, Capability.None, WhyInterpreters),
            ModuleKind.Shared => Deny("import", module, Capability.None, "its queues and channels are shared by every interpreter of the process: another plugin could read, fill or destroy them, and list the interpreters; plugins exchange data through the broker"),
            ModuleKind.Semaphores => Require(Capability.ProcessSpawn, "import", module, "multiprocessing's native part creates named semaphores in /dev/shm, seen by every process of the machine, for sharing with child processes"),
            ModuleKind.Foreign => Require(Capability.NativeCode, "import", module, "ctypes and cffi load and call arbitrary native code; " + WhyNative),
            _ => Require(Capability.NativeCode, "import", module, "CPython's test modules expose its internals; " + WhyNative),
        };

        /// <summary>The last component of a dotted name: the init function CPython looks up is PyInit_ + this.</summary>
        private static ReadOnlySpan<byte> ShortName(ReadOnlySpan<byte> dotted) =>
            dotted.LastIndexOf((byte)'.') is var dot and >= 0 ? dotted[(dot + 1)..] : dotted;

        /// <summary>A shared object's module name: its file name up to the first dot (<c>_json.cpython-313-x86_64-linux-gnu.so</c>).</summary>
        private static ReadOnlySpan<byte> FileStem(ReadOnlySpan<byte> path)
        {
            var name = path[(path.LastIndexOf((byte)'/') + 1)..];
            return name.IndexOf((byte)'.') is var dot and >= 0 ? name[..dot] : name;
        }

        /// <summary>
        /// <c>code.replace(**changes)</c>: where the code came from (names, file, first line) and the
        /// CO_ITERABLE_COROUTINE flag (types.coroutine) change nothing the bytecode relies on; any other field — the
        /// bytecode, constants, names, sizes, other flags — is a code object built from data. Allowed replacements
        /// let the "code.__new__" event CPython raises next through.
        /// </summary>
        private int CodeReplace()
        {
            const long IterableCoroutine = 0x100;
            var code = Arg(0);
            var changes = Arg(1);
            nint position = 0;
            while (changes != 0 && changes != LibPython.NoneObject && Interop.NoThrow.PyDict_Next(changes, ref position, out var key, out var value) != 0)
            {
                var field = Encoding.UTF8.GetString(Utf8(key));
                var harmless = field switch
                {
                    "co_name" or "co_qualname" or "co_filename" or "co_firstlineno" => true,
                    "co_flags" => Long(value) is { } flags && CodeFlags(code) is { } current && ((flags ^ current) & ~IterableCoroutine) == 0,
                    _ => false,
                };
                if (!harmless)
                    return Require(Capability.NativeCode, Event, field, WhyCode);
            }
            compiled.ExpectCodeReplacement();
            return 0;
        }

        private static long? CodeFlags(nint code)
        {
            var flags = Interop.NoThrow.PyObject_GetAttrString(code, "co_flags");
            if (flags == 0)
            {
                Interop.NoThrow.PyErr_Clear();
                return null;
            }
            var value = Long(flags);
            Interop.DecRef(flags);
            return value;
        }

        /// <summary>
        /// <c>marshal.loads</c>: allowed for the bytes of a frozen module, of the standard library's own bytecode cache
        /// the import system just opened (ordinary imports), or of the host's own code (the SDK's prelude, a plugin
        /// instance's bootstrap: <see cref="HostCode"/>, compiled by the host once per process); any other code object
        /// from data needs <c>native-code</c>.
        /// </summary>
        private int MarshalLoads()
        {
            var expected = compiled.TakeExpectedBytecode();
            if (IsEvent("marshal.loads"u8) && Interop.HasTypeFlag(Arg(0), Interop.Py_TPFLAGS_BYTES_SUBCLASS)
                && Interop.NoThrow.PyBytes_AsStringAndSize(Arg(0), out var data, out var size) == 0)
            {
                var code = new ReadOnlySpan<byte>(data, checked((int)size));
                var bytecode = compiled.Registry.Bytecode;
                if ((expected is not null && bytecode.Matches(expected, code)) || bytecode.IsFrozen(code) || HostCode.IsHostCode(code))
                    return 0;
            }
            return Require(Capability.NativeCode, Event, "", WhyCode);
        }
    }
}
