using System.Diagnostics;

namespace PluginHost.Interpreter.Tests.Runtime;

public sealed class SpinBudgetTests
{
    [Fact]
    public void SucceedsAsSoonAsTheConditionHolds()
    {
        var spin = new SpinBudget(TimeSpan.FromSeconds(10));
        var flag = new Box();
        var setter = new Thread(() => { Thread.Sleep(20); Volatile.Write(ref flag.Set, true); });
        setter.Start();
        Assert.True(spin.Until(static f => Volatile.Read(ref f.Set), flag, Stopwatch.GetTimestamp()));
        setter.Join();
    }

    [Fact]
    public void StopsSpinningWhileWaitsAreLongAndResumesWhenTheyAreShortAgain()
    {
        var spin = new SpinBudget(TimeSpan.FromMilliseconds(1));
        var probe = new Box();
        for (var i = 0; i < 60; i++)
            spin.Waited(Stopwatch.GetTimestamp() - Stopwatch.Frequency);   // waits of a second: an idle interpreter

        Assert.False(spin.Until(static b => b.Calls++ > 1_000_000, probe, Stopwatch.GetTimestamp()));
        Assert.Equal(1, probe.Calls);   // looked once, did not spin

        for (var i = 0; i < 60; i++)
            spin.Waited(Stopwatch.GetTimestamp());                          // waits of nothing: messages come fast
        probe.Calls = 0;
        Assert.False(spin.Until(static b => b.Calls++ > 1_000_000, probe, Stopwatch.GetTimestamp()));
        Assert.True(probe.Calls > 1, "it should have spun before giving up");
    }

    private sealed class Box
    {
        public bool Set;
        public int Calls;
    }
}
