using System.Text;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

internal static unsafe partial class AuditHook
{
    /// <summary>One event's arguments against one interpreter's policy. 0 allows; -1 denies with PermissionError set.</summary>
    private readonly ref struct Rules(CompiledPolicy compiled, byte* name, nint args)
    {
        private const long O_ACCMODE = 3, O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400;

        private const string WhyRead = "reading outside the plugin's own folder and the standard library needs a grant";
        private const string WhyWrite = "creating, changing or deleting files needs a grant";
        private const string WhyNative = "native code runs outside every guarantee of the interpreter and can reach the whole host process";
        private const string WhyInterpreters = "code in another interpreter (a new one, the main one, another plugin's) would run outside this policy";
        private const string WhyHostSignal = "the signal would reach the host process itself and every plugin in it (sys.exit() stops this plugin only)";

        private InterpreterPolicy Policy => compiled.Policy;

        /// <summary>The event's name, for messages (allocates: only on a denial or a report).</summary>
        private string Event => System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)name) ?? "";

        public int Apply(AuditEvent kind) => kind switch
        {
            AuditEvent.Open => Open(),
            AuditEvent.Import => Import(),
            AuditEvent.ListDir => FileSystem(0, -1, write: false, noneIsCwd: true),
            AuditEvent.Remove => FileSystem(0, 1, write: true),
            AuditEvent.Mkdir => FileSystem(0, 2, write: true, harmlessIfExists: true),
            AuditEvent.Rename => Both(FileSystem(0, 2, write: true), 1, 3, write: true),
            AuditEvent.Chmod => FileSystem(0, 2, write: true),
            AuditEvent.Chown => FileSystem(0, 3, write: true),
            AuditEvent.Truncate => FileSystem(0, -1, write: true),
            AuditEvent.Utime => FileSystem(0, 3, write: true),
            AuditEvent.Symlink => FileSystem(1, 2, write: true),
            AuditEvent.Link => Both(FileSystem(0, 2, write: false), 1, 3, write: true),
            AuditEvent.Xattr => FileSystem(0, -1, write: true),
            AuditEvent.Sqlite => Sqlite(),
            AuditEvent.Chdir => Require(Capability.Cwd, "os.chdir", ArgText(0), "the working directory belongs to the whole host process: every plugin and the host would move with it"),
            AuditEvent.PutEnv => Require(Capability.Environment, "os.putenv", ArgText(0), "the environment belongs to the whole host process; this plugin's os.environ is its own copy, change that instead"),
            AuditEvent.UnsetEnv => Require(Capability.Environment, "os.unsetenv", ArgText(0), "the environment belongs to the whole host process; this plugin's os.environ is its own copy, change that instead"),
            AuditEvent.Kill => Kill(group: false),
            AuditEvent.KillPg => Kill(group: true),
            AuditEvent.ThreadKill => Require(Capability.ProcessExit, "signal.pthread_kill", ArgText(1), "its threads belong to the host process; " + WhyHostSignal),
            AuditEvent.Spawn => Require(Capability.ProcessSpawn, Event, ArgText(0), "starting other programs needs a grant"),
            AuditEvent.Fork => Deny(Event, "", Capability.None, "the child would be a copy of the whole host process, with every interpreter's GIL held by threads that do not exist there; use subprocess with the capability 'process.spawn'"),
            AuditEvent.Exec => Deny(Event, ArgText(0), Capability.None, "exec would replace the whole host process; use subprocess with the capability 'process.spawn'"),
            AuditEvent.Network => Require(Capability.Network, Event, NetworkTarget(), "network access needs a grant"),
            AuditEvent.NativeCode => Require(Capability.NativeCode, Event, ArgText(0), WhyNative),
            AuditEvent.SetRlimit => Require(Capability.ProcessControl, "resource.setrlimit", ArgText(0), "resource limits apply to the whole host process"),
            AuditEvent.Prlimit => Arg(2) is var limits && (limits == 0 || limits == LibPython.NoneObject)
                ? 0
                : Require(Capability.ProcessControl, "resource.prlimit", ArgText(1), "resource limits apply to the whole host process"),
            AuditEvent.SetHostname => Require(Capability.ProcessControl, "socket.sethostname", ArgText(0), "the host name belongs to the whole machine"),
            AuditEvent.Guard => Guard(),
            AuditEvent.NewInterpreter => Deny("creating an interpreter", "", Capability.None, WhyInterpreters),
            _ => 0,
        };

        private int Open()
        {
            var flags = Long(Arg(2)) ?? 0;
            var write = (flags & O_ACCMODE) != 0 || (flags & (O_CREAT | O_TRUNC | O_APPEND)) != 0;
            var path = Arg(0);
            if (Long(path) is { } fd)
            {
                return fd is >= 0 and <= 2
                    ? Require(Capability.ProcessStdio, "open", fd.ToString(System.Globalization.CultureInfo.InvariantCulture), "file descriptors 0, 1 and 2 are the standard streams of the host process, shared by every plugin; a file object over one closes it for everyone")
                    : 0;
            }
            return CheckPath("open", path, -1, write, noneIsCwd: false);
        }

        private int Import()
        {
            var module = Utf8(Arg(0));
            // These run code in any interpreter by id, the main one included.
            if (module.SequenceEqual("_interpreters"u8) || module.SequenceEqual("_xxsubinterpreters"u8))
                return Deny("import", Encoding.UTF8.GetString(module), Capability.None, WhyInterpreters);
            if (module.SequenceEqual("_ctypes"u8) || module.SequenceEqual("_cffi_backend"u8))
                return Require(Capability.NativeCode, "import", Encoding.UTF8.GetString(module), "ctypes and cffi load and call arbitrary native code; " + WhyNative);
            var file = Arg(1);
            if (file == 0 || file == LibPython.NoneObject)
                return 0;
            // An extension module: from the standard library's own directory, or native code brought in by the plugin.
            using var path = PathArg.From(file);
            if (!path.IsPath)
                return 0;
            var buffer = stackalloc byte[PathRules.PathMax];
            var length = PathRules.Resolve(path.Bytes, path.Length, -1, buffer);
            if (length > 0 && PathRules.Under(new ReadOnlySpan<byte>(buffer, length), compiled.TrustedNative))
            {
                // CPython's own test modules there expose raw C-API internals (memory, audit hooks, interpreter state).
                return module.StartsWith("_test"u8) || module.StartsWith("_xxtest"u8) || module.SequenceEqual("_ctypes_test"u8)
                    ? Require(Capability.NativeCode, "import", Encoding.UTF8.GetString(module), "CPython's test modules expose its internals; " + WhyNative)
                    : 0;
            }
            var where = length > 0 ? Encoding.UTF8.GetString(buffer, length) : path.Text;
            return Require(Capability.NativeCode, "import", $"{Encoding.UTF8.GetString(module)} from '{where}'", "extension modules from outside the standard library are native code; " + WhyNative);
        }

        private int Sqlite()
        {
            var database = Arg(0);
            using var path = PathArg.From(database);
            if (!path.IsPath)
                return 0;
            var text = new ReadOnlySpan<byte>(path.Bytes, path.Length);
            if (text.IsEmpty || text.SequenceEqual(":memory:"u8))
                return 0;
            if (!text.StartsWith("file:"u8))
                return CheckPath("sqlite3.connect", database, -1, write: true, noneIsCwd: false);
            // A URI: file:path?query or file://host/path?query; an in-memory one touches no file.
            var uri = Encoding.UTF8.GetString(text);
            if (uri.Contains("mode=memory", StringComparison.Ordinal) || uri.StartsWith("file::memory:", StringComparison.Ordinal))
                return 0;
            var local = uri[5..].Split('?')[0];
            if (local.StartsWith("//", StringComparison.Ordinal))
                local = local[(local.IndexOf('/', 2) is var slash and >= 0 ? slash : local.Length)..];
            return CheckText("sqlite3.connect", Uri.UnescapeDataString(local), write: !uri.Contains("mode=ro", StringComparison.Ordinal));
        }

        private int Kill(bool group)
        {
            var facility = Event;
            var target = Long(Arg(0));
            var signal = ArgText(1);
            var detail = $"{ArgText(0)}, {signal}";
            var self = Environment.ProcessId;
            var ownGroup = PolicyNative.getpgrp();
            var atHost = target is null
                || (group ? target == 0 || target == ownGroup : target == self || target == 0 || target == -1 || target == -ownGroup);
            return atHost
                ? Require(Capability.ProcessExit, facility, detail, WhyHostSignal)
                : Require(Capability.ProcessSignal, facility, detail, "sending signals to other processes needs a grant");
        }

        private int Guard()
        {
            var function = Encoding.UTF8.GetString(Utf8(Arg(0)));
            var detail = Encoding.UTF8.GetString(Utf8(Arg(1)));
            var (capability, why) = GuardedFunctions.Describe(function);
            return capability == Capability.None ? Deny(function, detail, capability, why) : Require(capability, function, detail, why);
        }

        private int FileSystem(int pathIndex, int dirFdIndex, bool write, bool noneIsCwd = false, bool harmlessIfExists = false)
        {
            var dirFd = dirFdIndex >= 0 ? Long(Arg(dirFdIndex)) ?? -1 : -1;
            return CheckPath(null, Arg(pathIndex), (int)dirFd, write, noneIsCwd, harmlessIfExists);
        }

        private int Both(int first, int pathIndex, int dirFdIndex, bool write) =>
            first != 0 ? first : FileSystem(pathIndex, dirFdIndex, write);

        // harmlessIfExists: the call cannot change an existing target (os.mkdir fails with EEXIST), so it is let through
        // to fail by itself — os.makedirs(existing, exist_ok=True) then works without a denial.
        private int CheckPath(string? facility, nint pathObject, int dirFd, bool write, bool noneIsCwd, bool harmlessIfExists = false)
        {
            if (Policy.Grants(write ? Capability.FileSystemWrite : Capability.FileSystemRead) || Policy.Grants(Capability.FileSystemWrite))
                return Policy.ReportAllowed ? Allowed(write ? Capability.FileSystemWrite : Capability.FileSystemRead, facility ?? Event, PathText(pathObject)) : 0;
            if (pathObject == LibPython.NoneObject && noneIsCwd)
                pathObject = 0;
            using var path = pathObject == 0 ? PathArg.Cwd() : PathArg.From(pathObject);
            if (!path.IsPath)
                return 0;   // a file descriptor (already open) or something CPython will refuse by itself
            var buffer = stackalloc byte[PathRules.PathMax];
            var length = PathRules.Resolve(path.Bytes, path.Length, dirFd, buffer, out var exists);
            if (exists && harmlessIfExists)
                return 0;
            if (length <= 0)
                return CheckText(facility, path.Text, write);
            return Decide(facility, new ReadOnlySpan<byte>(buffer, length), write);
        }

        // A path whose parent does not exist either: judged as written, made absolute; the call will fail by itself if allowed.
        private int CheckText(string? facility, string path, bool write)
        {
            var full = Path.GetFullPath(path);
            return Decide(facility, Encoding.UTF8.GetBytes(full), write);
        }

        private int Decide(string? facility, ReadOnlySpan<byte> resolved, bool write)
        {
            if (PathRules.Under(resolved, write ? compiled.Writable : compiled.Readable))
            {
                return Policy.ReportAllowed && PathRules.Under(resolved, write ? compiled.GrantedWritable : compiled.GrantedReadable)
                    ? Allowed(write ? Capability.FileSystemWrite : Capability.FileSystemRead, facility ?? Event, Encoding.UTF8.GetString(resolved))
                    : 0;
            }
            var path = Encoding.UTF8.GetString(resolved);
            var prefix = write ? CapabilityNames.WritePrefix : CapabilityNames.ReadPrefix;
            return Deny(facility ?? Event, $"'{path}'", write ? Capability.FileSystemWrite : Capability.FileSystemRead, write ? WhyWrite : WhyRead, $"{prefix}:{PathRules.DirectoryOf(path)}");
        }

        private int Require(Capability capability, string facility, string detail, string why) =>
            Policy.Grants(capability) ? Allowed(capability, facility, detail) : Deny(facility, detail, capability, why);

        private int Allowed(Capability capability, string? facility, string detail)
        {
            if (!Policy.ReportAllowed || facility is null || Policy.Listener is not { } listener)
                return 0;
            try
            {
                listener.Allowed(new PolicyDecision(facility, CapabilityNames.Of(capability), detail, ""));
            }
            catch (Exception)
            {
                // A listener's failure does not change the decision.
            }
            return 0;
        }

        private int Deny(string facility, string detail, Capability capability, string why, string? capabilityName = null)
        {
            var name = capability == Capability.None ? "" : capabilityName ?? CapabilityNames.Of(capability);
            var what = detail.Length == 0 ? facility : facility == "import" ? $"import {detail}" : $"{facility}({detail})";
            var message = name.Length == 0
                ? $"{what} denied: {why}. No capability allows this for {Policy.Owner}."
                : $"{what} denied: {why}. {Capitalized(Policy.Owner)} needs the capability '{name}'{Hint(name)}.";
            Interop.PyErr_SetString(LibPython.PermissionErrorType, message);
            try
            {
                Policy.Listener?.Denied(new PolicyDecision(facility, name, detail, message));
            }
            catch (Exception)
            {
                // A listener's failure does not change the decision.
            }
            return -1;
        }

        private string Hint(string capability) =>
            Policy.GrantHint is { } hint ? " (" + string.Format(System.Globalization.CultureInfo.InvariantCulture, hint, capability) + ")" : "";

        private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

        private nint Arg(int index)
        {
            if (args == 0 || index >= PolicyNative.PyTuple_Size(args))
                return 0;
            return PolicyNative.PyTuple_GetItem(args, index);
        }

        private static long? Long(nint o)
        {
            if (o == 0 || !PolicyNative.Is(o, PolicyNative.LongFlag))
                return null;
            var value = PolicyNative.PyLong_AsLongLong(o);
            if (value == -1 && PolicyNative.PyErr_Occurred() != 0)
            {
                PolicyNative.PyErr_Clear();
                return null;
            }
            return value;
        }

        private static ReadOnlySpan<byte> Utf8(nint o)
        {
            if (o == 0 || !PolicyNative.Is(o, PolicyNative.UnicodeFlag))
                return default;
            var p = PolicyNative.PyUnicode_AsUTF8AndSize(o, out var size);
            if (p == null)
            {
                PolicyNative.PyErr_Clear();
                return default;
            }
            return new ReadOnlySpan<byte>(p, (int)size);
        }

        /// <summary>The address of a socket call (argument 1), or the host name of a resolver call (argument 0).</summary>
        private string NetworkTarget() => ArgText(PolicyNative.Is(Arg(0), PolicyNative.UnicodeFlag) || PolicyNative.Is(Arg(0), PolicyNative.BytesFlag) ? 0 : 1);

        /// <summary>A short text of argument <paramref name="index"/> for messages (str, bytes, int, None); empty otherwise.</summary>
        private string ArgText(int index)
        {
            var o = Arg(index);
            if (o == 0)
                return "";
            if (o == LibPython.NoneObject)
                return "None";
            if (Long(o) is { } number)
                return number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (PolicyNative.Is(o, PolicyNative.UnicodeFlag) || PolicyNative.Is(o, PolicyNative.BytesFlag))
            {
                using var path = PathArg.From(o);
                return path.IsPath ? $"'{path.Text}'" : "";
            }
            return Repr(o);
        }

        private static string Repr(nint o)
        {
            var repr = PolicyNative.PyObject_Repr(o);
            if (repr == 0)
            {
                PolicyNative.PyErr_Clear();
                return "";
            }
            try
            {
                var text = Encoding.UTF8.GetString(Utf8(repr));
                return text.Length > 200 ? text[..200] + "..." : text;
            }
            finally
            {
                PolicyNative.Py_DecRef(repr);
            }
        }

        private string PathText(nint o)
        {
            if (!Policy.ReportAllowed || o == 0)
                return "";
            using var path = PathArg.From(o);
            return path.IsPath ? path.Text : "";
        }
    }

    /// <summary>A path argument as NUL-terminated bytes (str as UTF-8 or the file system encoding, bytes, path-like).</summary>
    private ref struct PathArg
    {
        private nint _owned;

        public byte* Bytes { get; private set; }

        public int Length { get; private set; }

        public readonly bool IsPath => Bytes != null;

        public readonly string Text => Bytes == null ? "" : Encoding.UTF8.GetString(Bytes, Length);

        public static PathArg Cwd()
        {
            var dot = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference("."u8));
            return new PathArg { Bytes = dot, Length = 1 };
        }

        public static PathArg From(nint o)
        {
            var arg = new PathArg();
            if (o == 0 || o == LibPython.NoneObject || PolicyNative.Is(o, PolicyNative.LongFlag))
                return arg;
            if (!PolicyNative.Is(o, PolicyNative.UnicodeFlag) && !PolicyNative.Is(o, PolicyNative.BytesFlag))
            {
                var converted = PolicyNative.PyOS_FSPath(o);
                if (converted == 0)
                {
                    PolicyNative.PyErr_Clear();
                    return arg;
                }
                arg._owned = converted;
                o = converted;
            }
            if (PolicyNative.Is(o, PolicyNative.UnicodeFlag))
            {
                var utf8 = PolicyNative.PyUnicode_AsUTF8AndSize(o, out var size);
                if (utf8 != null)
                {
                    arg.Bytes = utf8;
                    arg.Length = (int)size;
                    return arg;
                }
                // Lone surrogates (undecodable file names): the file system encoding with surrogateescape.
                PolicyNative.PyErr_Clear();
                var encoded = PolicyNative.PyUnicode_EncodeFSDefault(o);
                if (encoded == 0)
                {
                    PolicyNative.PyErr_Clear();
                    return arg;
                }
                if (arg._owned != 0)
                    PolicyNative.Py_DecRef(arg._owned);
                arg._owned = encoded;
                o = encoded;
            }
            if (PolicyNative.PyBytes_AsStringAndSize(o, out var buffer, out var length) != 0)
            {
                PolicyNative.PyErr_Clear();
                return arg;
            }
            arg.Bytes = buffer;
            arg.Length = (int)length;
            return arg;
        }

        public void Dispose()
        {
            if (_owned != 0)
            {
                PolicyNative.Py_DecRef(_owned);
                _owned = 0;
            }
        }
    }
}
