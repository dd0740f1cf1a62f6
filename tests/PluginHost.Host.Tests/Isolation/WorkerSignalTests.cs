using System.Diagnostics;
using System.Text.Json;
using PluginHost.Host.Tests.Lifecycle;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>
/// Stop signals sent to a whole process group or cgroup (Ctrl+C, systemd's <c>KillMode=control-group</c>) reach the
/// workers too: they must leave a worker running for its host to drain and stop, not end it as a crash.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class WorkerSignalTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task SigtermSigintAndSigquitToAWorkerLeaveItRunningAndTheHostStillEndsItCleanly()
    {
        var harness = new SupervisorHarness(fixture);
        harness.Plugin("worker", "import os\ndef on_message(message):\n    return os.getpid()\n", """ "isolation": "process" """);
        await harness.StartAsync();
        var pid = await PidAsync(harness);

        foreach (var signal in new[] { "TERM", "INT", "QUIT" })
        {
            using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()])!;
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }
        await Task.Delay(500);   // a signal the worker did not ignore would have ended it by now; the next request would then restart it

        Assert.Equal(pid, await PidAsync(harness));
        Assert.Equal(0, harness.Status("worker").Restarts);
        await harness.DisposeAsync();
        Assert.Contains(harness.Logs.Records, r => r.Message.Contains($"Worker process {pid} (plugin:worker/0) exited with code 0"));
    }

    private static async Task<int> PidAsync(SupervisorHarness harness)
    {
        var reply = await harness.Broker.RequestAsync(JsonMessage("pid", "null", to: "worker"), TimeSpan.FromSeconds(30));
        return JsonDocument.Parse(TextOf(reply)).RootElement.GetInt32();
    }
}
