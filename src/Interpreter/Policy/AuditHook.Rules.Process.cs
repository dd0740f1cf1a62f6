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
        private const string WhyRawSocket = "raw and packet sockets see and forge every packet of the machine, which no plugin running inside the host may do";

        private int Kill(bool group)
        {
            var target = Long(Arg(0));
            var detail = $"{ArgText(0)}, {ArgText(1)}";
            var ownGroup = PolicyNative.getpgrp();
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
            for (var i = 0; i < (int)PolicyNative.PyTuple_Size(args); i++)
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

        /// <summary>A call on descriptors: any of the host's standard streams among them needs <c>process.stdio</c>.</summary>
        private int Descriptors(bool all)
        {
            var count = all ? (int)PolicyNative.PyTuple_Size(args) : 1;
            for (var i = 0; i < count; i++)
            {
                if (Long(Arg(i)) is >= 0 and <= 2 and var fd)
                    return Stdio(Event, fd);
            }
            return 0;
        }

        private int CloseRange()
        {
            var low = Long(Arg(0)) ?? 0;
            var high = Long(Arg(1)) ?? 0;
            return low <= 2 && high > Math.Max(low, 0) ? Require(Capability.ProcessStdio, Event, $"{low}, {high}", WhyStdio) : 0;
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
