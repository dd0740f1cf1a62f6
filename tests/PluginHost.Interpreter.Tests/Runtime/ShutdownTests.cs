namespace PluginHost.Interpreter.Tests.Runtime;

/// <summary>Initialising and finalising CPython happens once per process, so these run the probe program in a fresh one.</summary>
public sealed class ShutdownTests
{
    [Theory]
    [InlineData("/root/.pyenv/versions/3.13.0/bin/python3.13")]
    [InlineData("/root/.pyenv/versions/3.12.1/bin/python3.12")]
    public async Task ShutdownEndsLiveInterpretersAndFinalisesCleanly(string python)
    {
        var (exitCode, stdout, stderr) = await Probe.RunAsync(python, "4", "import json, base64\nbase64.b64encode(b'x', altchars=b'-_')\nprint('hello from', json.dumps(1))");

        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        Assert.Contains("ran in 4 live=4", stdout);
        Assert.Contains("finalized live=0", stdout);
        Assert.Equal(4, stdout.Split('\n').Count(l => l.StartsWith("hello from 1")));
        Assert.DoesNotContain("Fatal Python error", stderr);
    }

    [Fact]
    public async Task UnusablePythonLocationGivesTheClearError()
    {
        var (exitCode, _, stderr) = await Probe.RunAsync("/nonexistent/libpython3.13.so", "1", "x = 1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("PythonNotFoundException", stderr);
        Assert.Contains("/nonexistent/libpython3.13.so", stderr);
        Assert.Contains("PLUGINHOST_PYTHON", stderr);
    }
}
