using System.Globalization;
using System.Text;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

internal static unsafe partial class AuditHook
{
    // The process: signals, the standard streams, sockets by family, and the guarded functions CPython does not audit.
    private readonly ref partial struct Rules
    {
        private const long AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, SOCK_RAW = 3, NETLINK_ROUTE = 0;

        private const string WhyHostSignal = "the signal would reach the host process itself and every plugin in it (sys.exit() stops this plugin only)";
        private const string WhyStdio = "file descriptors 0, 1 and 2 are the standard streams of the host process (its log), shared by every plugin";
        private const string WhyForeign = "descriptors 3 and up that this plugin did not open belong to the host process or another plugin (the .NET runtime's signal pipe, its log, its sockets, its code)";
        private const string WhyRawSocket = "raw and packet sockets see and forge every packet of the machine, which no plugin running inside the host may do";

        private int Kill(bool group)
        {
            var target = Long(Arg(0));
            var detail = $"{ArgText(0)}, {ArgText(1)}";
            var ownGroup = LibC.ProcessGroup();
            var atHost = target is not { } pid
                || (group ? pid == 0 || pid == ownGroup : pid is 0 or -1 || pid == -ownGroup || IsThisProcess(pid));
            return SignalRule(Event, detail, atHost);
        }

        /// <summary><c>signal.pidfd_send_signal(pidfd, sig)</c>: the process the descriptor refers to (its fdinfo's Pid line).</summary>
        private int PidfdSignal()
        {
            var fd = Long(Arg(0)) ?? -1;
            var detail = $"{ArgText(0)}, {ArgText(1)}";
            var target = PidOfDescriptor(fd);
            return SignalRule("signal.pidfd_send_signal", detail, target is { } pid && IsThisProcess(pid));
        }

        private int SignalRule(string facility, string detail, bool atHost) => atHost
            ? Require(Capability.ProcessExit, facility, detail, WhyHostSignal)
            : Require(Capability.ProcessSignal, facility, detail, "sending signals to other processes needs a grant");

        /// <summary>The host's own pid or one of its threads' ids (a signal to a thread id reaches the whole process).</summary>
        private static bool IsThisProcess(long pid) =>
            pid == Environment.ProcessId || (pid > 0 && Directory.Exists($"/proc/self/task/{pid.ToString(CultureInfo.InvariantCulture)}"));

        private static long? PidOfDescriptor(long fd)
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd.ToString(CultureInfo.InvariantCulture)}"))
                {
                    if (line.StartsWith("Pid:", StringComparison.Ordinal))
                        return long.Parse(line.AsSpan(4).Trim(), CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // Not open: the call fails by itself.
            }
            return null;
        }

        /// <summary>Waiting for a child: only for the processes this interpreter started (by pid, P_PID or a pidfd of one).</summary>
        private int Wait()
        {
            const long P_PID = 1, P_PIDFD = 3;
            long? pid = Event switch
            {
                "os.waitid" => Long(Arg(0)) switch
                {
                    P_PID => Long(Arg(1)),
                    P_PIDFD => Long(Arg(1)) is { } fd ? PidOfDescriptor(fd) : null,
                    _ => null,
                },
                "os.wait" or "os.wait3" => null,
                _ => Long(Arg(0)),
            };
            if (pid is > 0 and var child && compiled.IsChild(child))
                return 0;
            var parts = new List<string>();
            for (var i = 0; i < (int)Interop.NoThrow.PyTuple_Size(args); i++)
                parts.Add(ArgText(i));
            var detail = string.Join(", ", parts);
            return Deny(Event, detail, Capability.None, "a plugin waits only for the processes it started itself; waiting for any other would reap a child of the host or of another plugin");
        }

        private int Guard()
        {
            var function = Encoding.UTF8.GetString(Utf8(Arg(0)));
            var detail = Encoding.UTF8.GetString(Utf8(Arg(1)));
            var (capability, why) = GuardedFunctions.Describe(function);
            return capability == Capability.None ? Deny(function, detail, capability, why) : Require(capability, function, detail, why);
        }

        /// <summary>A call on descriptors: the host's standard streams need <c>process.stdio</c>; any other must be the interpreter's own.</summary>
        private int Descriptors()
        {
            var count = (int)Interop.NoThrow.PyTuple_Size(args);
            for (var i = 0; i < count; i++)
            {
                if (Long(Arg(i)) is { } fd && OwnDescriptor(Event, fd) is var decision and not 0)
                    return decision;
            }
            return 0;
        }

        /// <summary>0–2: the standard streams; 3 and up: only those this interpreter made (or none open at that number).</summary>
        private int OwnDescriptor(string facility, long fd)
        {
            if (fd is >= 0 and <= 2)
                return Stdio(facility, fd);
            return compiled.OwnsDescriptor(fd) == false ? ForeignDescriptor(facility, fd) : 0;
        }

        private int ForeignDescriptor(string facility, long fd) =>
            Deny(facility, fd.ToString(CultureInfo.InvariantCulture), Capability.None, WhyForeign);

        private int CloseRange()
        {
            var low = Long(Arg(0)) ?? 0;
            var high = Long(Arg(1)) ?? 0;
            if (low <= 2 && high > Math.Max(low, 0))
                return Require(Capability.ProcessStdio, Event, $"{low}, {high}", WhyStdio);
            foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                if (long.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var fd)
                    && fd >= low && fd < high && compiled.OwnsDescriptor(fd) == false)
                    return Deny(Event, $"{low}, {high}", Capability.None, WhyForeign + $" (descriptor {fd} is in the range)");
            }
            return 0;
        }

        /// <summary>
        /// <c>fcntl(fd, cmd, arg)</c> (and flock, lockf): the descriptor as any other; commands that make the kernel
        /// signal a process — the owner of SIGIO/SIGURG, directory notifications, leases — as signals to it.
        /// </summary>
        private int Fcntl()
        {
            const long F_SETOWN = 8, F_SETOWN_EX = 15, F_SETLEASE = 1024, F_NOTIFY = 1026;
            var fd = Long(Arg(0)) ?? -1;
            if (OwnDescriptor(Event, fd) is var decision and not 0)
                return decision;
            if (!IsEvent("fcntl.fcntl"u8))
                return 0;
            var detail = $"{ArgText(0)}, {ArgText(1)}, {ArgText(2)}";
            return Long(Arg(1)) switch
            {
                F_SETOWN => Owner(Long(Arg(2)), detail),
                F_SETOWN_EX => Owner(OwnerEx(Arg(2)), detail),
                F_NOTIFY or F_SETLEASE => SignalRule(Event, detail, atHost: true),
                _ => 0,
            };
        }

        // The owner the kernel will signal: a pid (> 0), a process group (< 0) or nobody (0). Unknown: the host.
        private int Owner(long? owner, string detail) => owner switch
        {
            0 => 0,
            > 0 and var pid => SignalRule(Event, detail, IsThisProcess(pid)),
            < 0 and var group => SignalRule(Event, detail, -group == LibC.ProcessGroup()),
            null => SignalRule(Event, detail, atHost: true),
        };

        // struct f_owner_ex { int type; pid_t pid; }: F_OWNER_TID 0, F_OWNER_PID 1, F_OWNER_PGRP 2.
        private static long? OwnerEx(nint o)
        {
            if (!Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_BYTES_SUBCLASS) || Interop.NoThrow.PyBytes_AsStringAndSize(o, out var data, out var size) != 0 || size < 8)
            {
                Interop.NoThrow.PyErr_Clear();
                return null;
            }
            var type = *(int*)data;
            var pid = *(int*)(data + 4);
            return type == 2 ? -pid : pid;
        }

        /// <summary>
        /// <c>ioctl(fd, request, arg)</c>: the descriptor as any other, and the request against the short list of those
        /// that only read or set up the plugin's own descriptors and terminals; reading the network interfaces needs
        /// <c>network</c>; setting the owner of a descriptor is a signal rule; any other request is native code.
        /// </summary>
        private int Ioctl()
        {
            const long FIOSETOWN = 0x8901, SIOCSPGRP = 0x8902;
            var fd = Long(Arg(0)) ?? -1;
            if (OwnDescriptor(Event, fd) is var decision and not 0)
                return decision;
            var request = (Long(Arg(1)) ?? -1) & 0xffffffff;
            var detail = $"{ArgText(0)}, 0x{request:x}";
            if (request is FIOSETOWN or SIOCSPGRP)
                return Owner(IntArgument(Arg(2)), detail);
            if (IoctlRequests.Harmless.Contains(request))
                return 0;
            if (IoctlRequests.NetworkReads.Contains(request))
                return Require(Capability.Network, Event, detail, "the machine's network interfaces and addresses are the network's configuration");
            return Require(Capability.NativeCode, Event, detail, "this request is not one a plugin may make in-process: device, terminal and network control act on the machine, and an unknown request on a descriptor can do anything the kernel's driver does");
        }

        // An int, or the first 4 bytes of a buffer (ioctl's int* argument).
        private static long? IntArgument(nint o)
        {
            if (Long(o) is { } value)
                return value;
            if (Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_BYTES_SUBCLASS) && Interop.NoThrow.PyBytes_AsStringAndSize(o, out var data, out var size) == 0 && size >= 4)
                return *(int*)data;
            Interop.NoThrow.PyErr_Clear();
            return null;
        }

        /// <summary><c>mmap(fileno, length, access, offset)</c>: anonymous memory is free; a descriptor is judged as any other and by its file.</summary>
        private int Mmap()
        {
            const long AccessDefault = 0, AccessWrite = 2;
            var fd = Long(Arg(0)) ?? -1;
            if (fd == -1)
                return 0;
            if (OwnDescriptor(Event, fd) is var decision and not 0)
                return decision;
            var access = Long(Arg(2)) ?? AccessDefault;
            return Descriptor(Event, fd, write: access is AccessDefault or AccessWrite, ownMemoryFiles: true);
        }

        /// <summary>
        /// connect, bind, sendto, sendmsg with a local (AF_UNIX) address, the plugin granted <c>network</c>: a path is a
        /// file — connecting to it is writing to it (as the kernel's permission check says), binding creates it — and
        /// no plugin may talk to a socket the host process itself listens on (the .NET runtime's diagnostic port
        /// would let it set the host's environment, dump its memory, load code).
        /// </summary>
        private int LocalSocket()
        {
            var address = Arg(1);
            if (!Interop.HasTypeFlag(address, Interop.Py_TPFLAGS_UNICODE_SUBCLASS) && !Interop.HasTypeFlag(address, Interop.Py_TPFLAGS_BYTES_SUBCLASS))
                return 0;   // an IP address (a tuple)
            using var path = PathArg.From(address);
            if (!path.IsPath || path.Length == 0)
                return 0;
            var name = new ReadOnlySpan<byte>(path.Bytes, path.Length);
            var abstractName = name[0] == 0;
            if (!abstractName && CheckPath(Event, address, -1, write: true, noneIsCwd: false, out _) is var denied and not 0)
                return denied;
            if (IsEvent("socket.bind"u8))
                return 0;
            var listed = abstractName ? "@" + Encoding.UTF8.GetString(name[1..]).Replace('\0', '@') : Encoding.UTF8.GetString(name);
            return HostListensOn(listed)
                ? Deny(Event, $"'{Printable(listed)}'", Capability.None, "it is a socket the host process itself listens on (the .NET runtime's diagnostic port, or another endpoint of the host)")
                : 0;
        }

        // /proc/net/unix names each bound socket's inode; /proc/self/fd shows which of them this process holds.
        private static bool HostListensOn(string name)
        {
            var inodes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var line in File.ReadLines("/proc/net/unix").Skip(1))
            {
                var fields = line.Split(' ', 8, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 8 && fields[7] == name)
                    inodes.Add($"socket:[{fields[6]}]");
            }
            if (inodes.Count == 0)
                return false;
            foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                if (new FileInfo(entry).LinkTarget is { } target && inodes.Contains(target))
                    return true;
            }
            return false;
        }

        /// <summary><c>socket.__new__(sock, family, type, proto)</c>: local pairs always; the network with <c>network</c>; raw never.</summary>
        private int Socket()
        {
            var family = Long(Arg(1)) ?? -1;
            var type = (Long(Arg(2)) ?? 0) & 0xf;
            var protocol = Long(Arg(3)) ?? 0;
            var detail = $"{FamilyName(family)}, {TypeName(type)}" + (protocol == 0 ? "" : $", {protocol}");
            if (family == AF_UNIX)
                return 0;
            if (type == SOCK_RAW && family is AF_INET or AF_INET6)
                return Deny("socket", detail, Capability.None, WhyRawSocket);
            return family switch
            {
                AF_INET or AF_INET6 => Require(Capability.Network, "socket", detail, "network access needs a grant"),
                AF_NETLINK when protocol == NETLINK_ROUTE => Require(Capability.Network, "socket", detail, "the kernel's routing and link tables are the machine's network configuration"),
                // socket.socket(fileno=fd) without a family: what the descriptor is cannot be known from the event.
                -1 => Require(Capability.Network, "socket", "fileno=...", "a socket made from an existing descriptor may be any kind of network socket"),
                _ => Deny("socket", detail, Capability.None, "only local (AF_UNIX) and, with 'network', IP sockets may be made inside the host; " + WhyRawSocket),
            };
        }

        private static string FamilyName(long family) => family switch
        {
            AF_UNIX => "AF_UNIX",
            AF_INET => "AF_INET",
            AF_INET6 => "AF_INET6",
            AF_NETLINK => "AF_NETLINK",
            17 => "AF_PACKET",
            _ => family.ToString(CultureInfo.InvariantCulture),
        };

        private static string TypeName(long type) => type switch
        {
            1 => "SOCK_STREAM",
            2 => "SOCK_DGRAM",
            SOCK_RAW => "SOCK_RAW",
            5 => "SOCK_SEQPACKET",
            _ => type.ToString(CultureInfo.InvariantCulture),
        };
    }
}
