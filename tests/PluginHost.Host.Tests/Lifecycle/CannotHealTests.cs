using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>A start failure no restart can heal marks the instance Failed at once, with the reason; others restart.</summary>
[Collection(PythonCollection.Name)]
public sealed class CannotHealTests(PythonRuntimeFixture fixture)
{
    private static SupervisorHarness Restarting(PythonRuntimeFixture fixture)
    {
        var harness = new SupervisorHarness(fixture);
        harness.Options.Restart = new RestartOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(50), MaxRestarts = 2 };
        return harness;
    }

    [Theory]
    [InlineData("syntax", "x = 1\ndef setup(ctx):\n    return (\n", "main.py:3: SyntaxError: '(' was never closed")]
    [InlineData("indent", "def setup(ctx):\nreturn 1\n", "main.py:2: IndentationError")]
    [InlineData("missing", "import json\nimport vendored_nowhere.sub\n", "it imports 'vendored_nowhere', which is neither in the standard library nor in the plugin's folder or its lib/")]
    [InlineData("lazy", "def setup(ctx):\n    import vendored_nowhere\n", "a missing dependency. Vendor it (pure Python) into")]
    public async Task AFailureThatCannotHealFailsAtOnceWithTheReason(string name, string code, string reason)
    {
        await using var harness = Restarting(fixture);
        harness.Plugin(name, code);

        await harness.StartAsync();

        var status = harness.Status(name);
        Assert.Equal(PluginState.Failed, status.State);
        Assert.Equal(0, status.Restarts);
        Assert.Contains(reason, status.Error);
        var failed = Assert.Single(harness.Logs.Records, r => r.EventId == LogEvents.PluginFailedForGood);
        Assert.Contains("cannot heal by restarting", failed.Message);
        Assert.DoesNotContain(harness.Logs.Records, r => r.EventId == LogEvents.PluginRestarting);   // no "restarts in a fresh interpreter"
    }

    [Fact]
    public async Task SubscriptionsWithoutOnMessageFailAtOnce()
    {
        await using var harness = Restarting(fixture);
        harness.Plugin("deaf", "def setup(ctx):\n    pass\n", "\"subscriptions\": [\"t.x\"]");

        await harness.StartAsync();

        var status = harness.Status("deaf");
        Assert.Equal((PluginState.Failed, 0), (status.State, status.Restarts));
        Assert.Contains("plugin.json subscribes to ['t.x'] but main has no on_message(message) function", status.Error);
    }

    [Theory]
    [InlineData("raises", "def setup(ctx):\n    raise ValueError('database unreachable')\n")]
    [InlineData("present", "import helper.not_yet_copied\n")]   // its package is there: a copy may be under way
    [InlineData("compiles", "def setup(ctx):\n    compile('(', 'input.txt', 'exec')\n")]   // text it compiles, not its code
    public async Task AFailureThatMayHealIsStillRestarted(string name, string code)
    {
        await using var harness = Restarting(fixture);
        var folder = harness.Plugin(name, code);
        Directory.CreateDirectory(Path.Combine(folder, "helper"));
        File.WriteAllText(Path.Combine(folder, "helper", "__init__.py"), "");

        await harness.StartAsync();
        await Until(() => harness.Status(name).State == PluginState.Failed, 30);

        Assert.Equal(2, harness.Status(name).Restarts);
        Assert.DoesNotContain("cannot heal", harness.Status(name).Error);
    }
}
