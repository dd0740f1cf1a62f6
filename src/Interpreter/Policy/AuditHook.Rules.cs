using System.Text;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

internal static unsafe partial class AuditHook
{
    /// <summary>One event's arguments against one interpreter's policy. 0 allows; -1 denies with PermissionError set
    /// (an import: ImportDenied, see <see cref="ImportDenial"/>).</summary>
    /// <remarks>Split by concern: Rules.Files.cs (paths, descriptors, SQLite), Rules.Native.cs (extension modules,
    /// code objects), Rules.Process.cs (signals, spawning, standard streams, sockets, guards).</remarks>
    private readonly ref partial struct Rules(CompiledPolicy compiled, byte* name, nint args)
    {
        private const string WhyNative = "native code runs outside every guarantee of the interpreter and can reach the whole host process";
        private const long MinimumThreadStack = 8L << 20;
        private const string WhyInterpreters = "code in another interpreter (a new one, the main one, another plugin's) would run outside this policy";

        private InterpreterPolicy Policy => compiled.Policy;

        /// <summary>The event's name, for messages (allocates: only on a denial or a report).</summary>
        private string Event => System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)name) ?? "";

        private bool IsEvent(ReadOnlySpan<byte> expected) =>
            System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).SequenceEqual(expected);

        public int Apply(AuditEvent kind) => kind switch
        {
            AuditEvent.Open => Open(),
            AuditEvent.Import => Import(),
            AuditEvent.ListDir => FileSystem(0, -1, write: false, noneIsCwd: true),
            AuditEvent.ReadPath => FileSystem(0, -1, write: false),
            AuditEvent.ReadPaths => ReadPaths(),
            AuditEvent.Wait => Wait(),
            AuditEvent.Remove => FileSystem(0, 1, write: true, name: true),   // unlink and rmdir act on the name, not a link's target
            AuditEvent.Mkdir => FileSystem(0, 2, write: true, harmlessIfExists: true),
            AuditEvent.Rename => Both(FileSystem(0, 2, write: true, name: true), 1, 3, write: true, name: true),
            AuditEvent.Chmod => FileSystem(0, 2, write: true),
            AuditEvent.Chown => FileSystem(0, 3, write: true),
            AuditEvent.Truncate => FileSystem(0, -1, write: true),
            AuditEvent.Utime => FileSystem(0, 3, write: true),
            AuditEvent.Symlink => FileSystem(1, 2, write: true),
            AuditEvent.Link => Both(FileSystem(0, 2, write: true), 1, 3, write: true),   // the new name writes the same file
            AuditEvent.Xattr => FileSystem(0, -1, write: true),
            AuditEvent.Sqlite => Sqlite(),
            AuditEvent.SqliteHandle => SqliteHandle(),
            AuditEvent.SqliteLimit => SqliteLimit(),
            AuditEvent.SharedMemory => SharedMemory(),
            AuditEvent.Chdir => Require(Capability.Cwd, "os.chdir", ArgText(0), "the working directory belongs to the whole host process: every plugin and the host would move with it"),
            AuditEvent.PutEnv => Require(Capability.Environment, "os.putenv", ArgText(0), "the environment belongs to the whole host process; this plugin's os.environ is its own copy, change that instead"),
            AuditEvent.UnsetEnv => Require(Capability.Environment, "os.unsetenv", ArgText(0), "the environment belongs to the whole host process; this plugin's os.environ is its own copy, change that instead"),
            AuditEvent.Kill => Kill(group: false),
            AuditEvent.PidfdSignal => PidfdSignal(),
            AuditEvent.KillPg => Kill(group: true),
            AuditEvent.ThreadKill => Require(Capability.ProcessExit, "signal.pthread_kill", ArgText(1), "its threads belong to the host process; " + WhyHostSignal),
            AuditEvent.Spawn => Require(Capability.ProcessSpawn, Event, ArgText(0), "starting other programs needs a grant"),
            AuditEvent.Fork => Deny(Event, "", Capability.None, "the child would be a copy of the whole host process, with every interpreter's GIL held by threads that do not exist there; use subprocess with the capability 'process.spawn'"),
            AuditEvent.Exec => Deny(Event, ArgText(0), Capability.None, "exec would replace the whole host process; use subprocess with the capability 'process.spawn'"),
            AuditEvent.Network => Require(Capability.Network, Event, NetworkTarget(), "network access needs a grant") is var network and not 0 ? network : LocalSocket(),
            AuditEvent.Socket => Socket(),
            AuditEvent.NativeCode => Require(Capability.NativeCode, Event, ArgText(0), WhyNative),
            AuditEvent.CodeObject => compiled.TakeCodeReplacement() ? 0 : Require(Capability.NativeCode, Event, ArgText(2), WhyCode),
            AuditEvent.CodeReplace => CodeReplace(),
            AuditEvent.Marshal => MarshalLoads(),
            AuditEvent.Descriptors => Descriptors(),
            AuditEvent.Fcntl => Fcntl(),
            AuditEvent.Ioctl => Ioctl(),
            AuditEvent.Mmap => Mmap(),
            AuditEvent.GcDebug => (Long(Arg(0)) ?? 0) is var flags && (flags & 7) == 0
                ? 0   // DEBUG_STATS, DEBUG_COLLECTABLE and DEBUG_UNCOLLECTABLE print; DEBUG_SAVEALL does not
                : Require(Capability.ProcessStdio, Event, ArgText(0), "CPython prints these reports on descriptor 2, the host's log, whenever the plugin's sys.stderr is gone"),
            AuditEvent.StackSize => (Long(Arg(0)) ?? 0) is 0 or >= MinimumThreadStack
                ? 0
                : Require(Capability.NativeCode, Event, ArgText(0), "a thread stack under 8 MiB can overflow inside CPython's own C code, which ends the whole host as native code can"),
            AuditEvent.ForeignObjects => Deny(Event, "", Capability.None, "it returns the frames and exceptions of every interpreter's threads: other plugins' objects, which this interpreter would use under the wrong GIL"),
            AuditEvent.GcReferences => Require(Capability.NativeCode, Event, "", "it hands out objects in states Python code must never see (a tuple being built, a type's own dict behind its caches), which crash or corrupt the host as native code can"),
            AuditEvent.CloseRange => CloseRange(),
            AuditEvent.SetRlimit => Require(Capability.ProcessControl, "resource.setrlimit", ArgText(0), "resource limits apply to the whole host process"),
            AuditEvent.Prlimit => Arg(2) is var limits && (limits == 0 || limits == LibPython.NoneObject)
                ? 0
                : Require(Capability.ProcessControl, "resource.prlimit", ArgText(1), "resource limits apply to the whole host process"),
            AuditEvent.SetHostname => Require(Capability.ProcessControl, "socket.sethostname", ArgText(0), "the host name belongs to the whole machine"),
            AuditEvent.Syslog => Require(Capability.ProcessControl, Event, ArgText(0), "the system log connection, its identity and mask are one per process, shared by every plugin and the host"),
            AuditEvent.Guard => Guard(),
            AuditEvent.NewInterpreter => Deny("creating an interpreter", "", Capability.None, WhyInterpreters),
            _ => 0,
        };

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
            detail = Printable(detail);
            var name = capability == Capability.None ? "" : capabilityName ?? CapabilityNames.Of(capability);
            var what = detail.Length == 0 ? facility : facility == "import" ? $"import {detail}" : $"{facility}({detail})";
            var message = name.Length == 0
                ? $"{what} denied: {why}. No capability allows this for {Policy.Owner}."
                : $"{what} denied: {why}. {Capitalized(Policy.Owner)} needs the capability '{name}'{Hint(name)}.";
            if (facility == "import")
                ImportDenial.Raise(message, detail.Split(" from ", 2)[0], name);
            else
                Interop.Raise(LibPython.PermissionErrorType, message);
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

        /// <summary>Control characters escaped: a NUL would cut the C string the message becomes, a newline forge a log line.</summary>
        private static string Printable(string text)
        {
            if (!text.Any(char.IsControl))
                return text;
            var escaped = new StringBuilder(text.Length + 8);
            foreach (var c in text)
                escaped.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c);
            return escaped.ToString();
        }

        private string Hint(string capability) =>
            Policy.GrantHint is { } hint ? " (" + string.Format(System.Globalization.CultureInfo.InvariantCulture, hint, capability) + ")" : "";

        private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

        private nint Arg(int index)
        {
            if (args == 0 || index >= Interop.NoThrow.PyTuple_Size(args))
                return 0;
            return Interop.NoThrow.PyTuple_GetItem(args, index);
        }

        private static long? Long(nint o) => Interop.NoThrow.AsLong(o);

        private static ReadOnlySpan<byte> Utf8(nint o)
        {
            if (o == 0 || !Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
                return default;
            var p = Interop.NoThrow.PyUnicode_AsUTF8AndSize(o, out var size);
            if (p == null)
            {
                Interop.NoThrow.PyErr_Clear();
                return default;
            }
            return new ReadOnlySpan<byte>(p, (int)size);
        }

        /// <summary>The address of a socket call (argument 1), or the host name of a resolver call (argument 0).</summary>
        private string NetworkTarget() => ArgText(Interop.HasTypeFlag(Arg(0), Interop.Py_TPFLAGS_UNICODE_SUBCLASS) || Interop.HasTypeFlag(Arg(0), Interop.Py_TPFLAGS_BYTES_SUBCLASS) ? 0 : 1);

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
            if (Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_UNICODE_SUBCLASS) || Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_BYTES_SUBCLASS))
            {
                using var path = PathArg.From(o);
                return path.IsPath ? $"'{path.Text}'" : "";
            }
            return Repr(o);
        }

        internal static string Repr(nint o)
        {
            var repr = Interop.NoThrow.PyObject_Repr(o);
            if (repr == 0)
            {
                Interop.NoThrow.PyErr_Clear();
                return "";
            }
            try
            {
                var text = Encoding.UTF8.GetString(Utf8(repr));
                return text.Length > 200 ? text[..200] + "..." : text;
            }
            finally
            {
                Interop.DecRef(repr);
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
}
