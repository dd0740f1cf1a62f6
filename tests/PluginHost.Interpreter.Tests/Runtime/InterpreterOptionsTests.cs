namespace PluginHost.Interpreter.Tests.Runtime;

public sealed class InterpreterOptionsTests
{
    [Fact]
    public void DefaultsAreIsolated()
    {
        var options = new InterpreterOptions();

        Assert.Equal(InterpreterGil.Own, options.Gil);
        Assert.False(options.UseMainObmalloc);
        Assert.True(options.CheckMultiInterpExtensions);
        Assert.False(options.AllowFork);
        Assert.False(options.AllowExec);
        Assert.False(options.AllowDaemonThreads);
        options.Validate();
    }

    [Fact]
    public void OwnGilWithMainAllocatorIsRejectedAlthoughCPythonAcceptsIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new InterpreterOptions { UseMainObmalloc = true }.Validate());

        Assert.Contains("UseMainObmalloc", error.Message);
    }

    [Fact]
    public void OwnAllocatorWithoutExtensionCheckIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new InterpreterOptions { CheckMultiInterpExtensions = false }.Validate());

        Assert.Contains("CheckMultiInterpExtensions", error.Message);
    }

    [Fact]
    public void DaemonThreadsWithoutThreadsAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new InterpreterOptions { AllowThreads = false, AllowDaemonThreads = true }.Validate());

        Assert.Contains("AllowDaemonThreads", error.Message);
    }

    [Fact]
    public void ForkWithOwnGilIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new InterpreterOptions { AllowFork = true }.Validate());
    }

    [Fact]
    public void SmallThreadStackIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new InterpreterOptions { ThreadStackSize = 1024 * 1024 }.Validate());

        Assert.Contains("ThreadStackSize", error.Message);
    }

    [Fact]
    public void EveryProblemIsListedAtOnce()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new InterpreterOptions { UseMainObmalloc = true, AllowThreads = false, AllowDaemonThreads = true }.Validate());

        Assert.Contains("UseMainObmalloc", error.Message);
        Assert.Contains("AllowDaemonThreads", error.Message);
    }

    [Fact]
    public void SharedGilLegacyConfigurationIsAccepted()
    {
        new InterpreterOptions { Gil = InterpreterGil.Shared, UseMainObmalloc = true, CheckMultiInterpExtensions = false }.Validate();
    }
}
