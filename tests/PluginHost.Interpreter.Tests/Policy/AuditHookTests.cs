using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

[Collection(PythonCollection.Name)]
public sealed class AuditHookTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task AnInterpreterWithoutAPolicyIsNotRestricted()
    {
        await using var plain = await fixture.Runtime.CreateInterpreterAsync();
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        Assert.Equal(true, await plain.EvaluateAsync("len(open('/etc/passwd').read()) > 0"));
        Assert.StartsWith("PermissionError: open('/etc/passwd') denied", await governed.TryAsync("open('/etc/passwd')"));
    }

    [Fact]
    public async Task ADenialNamesTheFacilityTheOwnerAndTheCapability()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var error = await governed.TryAsync("import os; os.chdir('/')");

        Assert.Equal("PermissionError: os.chdir('/') denied: the working directory belongs to the whole host process: every plugin and the host would move with it. Plugin 'test' needs the capability 'cwd' (add \"cwd\" to capabilities).", error);
        var denial = Assert.Single(governed.Listener.Denials);
        Assert.Equal(("os.chdir", "cwd", "'/'"), (denial.Facility, denial.Capability, denial.Detail));
        Assert.Equal(error["PermissionError: ".Length..], denial.Message);
    }

    [Fact]
    public async Task PythonCannotTakeTheHookAway()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        // A Python hook of its own changes nothing; CPython's internals (its test modules) are native code, not granted.
        var result = await governed.TryAsync("import sys; sys.addaudithook(lambda *a: None); import os; os.chdir('/')");
        var internals = await governed.TryAsync("import _testinternalcapi");

        Assert.StartsWith("PermissionError: os.chdir('/') denied", result);
        Assert.StartsWith("ImportError: import _testinternalcapi denied", internals);
    }

    [Theory]
    [InlineData("import _interpreters; _interpreters.run_string(0, 'import os')", "import _interpreters")]
    public async Task NoCodeCanBeRunInAnotherInterpreter(string code, string denial)
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, (Capability)~0);

        var result = await governed.TryAsync(code);

        Assert.StartsWith($"ImportError: {denial} denied: code in another interpreter (a new one, the main one, another plugin's) would run outside this policy. No capability allows this for plugin 'test'.", result);
    }

    [Theory]
    [InlineData("_interpqueues")]
    [InlineData("_interpchannels")]
    public async Task NoDataCrossesBetweenInterpretersOutsideTheBroker(string module)
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, (Capability)~0);

        var result = await governed.TryAsync($"import {module}");

        Assert.StartsWith($"ImportError: import {module} denied: its queues and channels are shared by every interpreter of the process", result);
    }

    [Fact]
    public async Task AFreshCopyOfAGuardedBuiltinModuleIsStillGuarded()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var copy = await governed.TryAsync("import _imp, posix; _imp.create_builtin(posix.__spec__)._exit(3)");
        var reload = await governed.TryAsync("import importlib, os, posix; importlib.reload(posix); os._exit(3)");

        Assert.StartsWith("PermissionError: os._exit(3) denied", copy);
        Assert.StartsWith("PermissionError: os._exit(3) denied", reload);
    }

    [Fact]
    public async Task ThePluginKeepsRunningAfterADenial()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        for (var i = 0; i < 3; i++)
            Assert.StartsWith("PermissionError", await governed.TryAsync("import os; os.chdir('/')"));

        Assert.Equal(42L, await governed.Interpreter.EvaluateAsync("6 * 7"));
        Assert.Equal(3, governed.Listener.Denials.Count);
    }

    [Fact]
    public async Task ThePolicyIsRegisteredForTheInterpreterLifeOnly()
    {
        var governed = await Governed.StartAsync(fixture.Runtime);
        var id = governed.Interpreter.Id;
        Assert.NotNull(fixture.Runtime.Policies.Find(id));

        await governed.DisposeAsync();

        Assert.Null(fixture.Runtime.Policies.Find(id));
    }

    [Fact]
    public async Task TwoInterpretersHaveTheirOwnPolicies()
    {
        await using var strict = await Governed.StartAsync(fixture.Runtime);
        await using var networked = await Governed.StartAsync(fixture.Runtime, Capability.Network);

        Assert.StartsWith("PermissionError", await strict.TryAsync("import socket; socket.getaddrinfo('localhost', 80)"));
        Assert.Equal("ok", await networked.TryAsync("import socket; socket.getaddrinfo('localhost', 80)"));
    }

    [Fact]
    public async Task UsesOfAGrantAreReportedOnlyWhenAsked()
    {
        await using var quiet = await Governed.StartAsync(fixture.Runtime, Capability.Network);
        await using var reporting = await Governed.StartAsync(fixture.Runtime, Capability.Network, report: true);

        await quiet.TryAsync("import socket; socket.getaddrinfo('localhost', 80)");
        await reporting.TryAsync("import socket; socket.getaddrinfo('localhost', 80)");

        Assert.Empty(quiet.Listener.Uses);
        Assert.Contains(reporting.Listener.Uses, u => u is { Facility: "socket.getaddrinfo", Capability: "network" });
    }

    [Theory]
    [InlineData("open", true)]
    [InlineData("os.chdir", true)]
    [InlineData("socket.connect", true)]
    [InlineData("pluginhost.guard", true)]
    [InlineData("cpython.PyInterpreterState_New", true)]
    [InlineData("sys._getframe", false)]
    [InlineData("object.__getattr__", false)]
    [InlineData("exec", false)]
    [InlineData("compile", false)]
    [InlineData("os.chdirx", false)]
    [InlineData("ope", false)]
    public void OnlyTheEventsThePolicyActsOnAreClassified(string name, bool known) =>
        Assert.Equal(known, AuditEvents.Classify(name) != AuditEvent.None);
}
