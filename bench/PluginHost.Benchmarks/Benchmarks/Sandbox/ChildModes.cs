using System.Text.Json;

namespace PluginHost.Benchmarks.Benchmarks.Sandbox;

/// <summary>
/// The measurements that need a process of their own, run as <c>PluginHost.Benchmarks --child &lt;mode&gt;</c> before
/// the program starts CPython. Each prints one JSON line (the last line starting with '{' counts) and exits 0, unless
/// what it measures is that the process dies.
/// </summary>
public static class ChildModes
{
    public const string Flag = "--child";

    public static async Task<int> RunAsync(string mode, IReadOnlyList<string> arguments)
    {
        switch (mode)
        {
            case "landlock-thread":
                ThreadConfinementProbe.LandlockThread();
                return 0;
            case "landlock-lazy-load":
                ThreadConfinementProbe.LandlockLazyLoad();
                return 0;
            case "seccomp-thread":
                ThreadConfinementProbe.SeccompThread();
                return 0;
            case "open-cost":
                SandboxCosts.OpenCost(arguments);
                return 0;
            case "syscall-cost":
                SandboxCosts.SyscallCost(arguments);
                return 0;
            case "interpreter-create":
                await SandboxCosts.InterpreterCreateAsync(arguments);
                return 0;
            case "nats-sink":
                await Nats.NatsRawPeers.SinkAsync(arguments[0]);
                return 0;
            case "nats-pump":
                await Nats.NatsRawPeers.PumpAsync(arguments[0]);
                return 0;
            case "nats-echo":
                await Nats.NatsRawPeers.EchoAsync(arguments[0]);
                return 0;
            default:
                Console.Error.WriteLine($"Unknown child mode '{mode}'.");
                return 2;
        }
    }

    /// <summary>Prints <paramref name="result"/> as the child's JSON line.</summary>
    public static void Report(object result)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(result));
        Console.Out.Flush();
    }
}
