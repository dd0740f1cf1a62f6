using System.Diagnostics;

namespace PluginHost.Interpreter.Tests.Runtime;

public sealed class SpinBudgetTests
{
    [Fact]
    public void SucceedsAsSoonAsTheConditionHolds()
    {
        var spin = new SpinBudget(TimeSpan.FromSeconds(10));
        var flag = new StrongBox<bool>(false);
        var setter = new Thread(() => { Thread.Sleep(20); Volatile.Write(ref flag.Value, true); });
        setter.Start();
        Assert.True(spin.Until(static f => Volatile.Read(ref f.Value), flag));
        setter.Join();
    }

    [Fact]
    public void GivesUpAndSpinsLessAfterEachFailure()
    {
        var spin = new SpinBudget(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        Assert.False(spin.Until(static _ => false, 0));          // spends the whole budget, ~200 ms
        var first = clock.Elapsed;
        clock.Restart();
        for (var i = 0; i < 20; i++)
            Assert.False(spin.Until(static _ => false, 0));      // 100 + 50 + 25 + ... ms: under the first again
        // Not a timing assertion on speed: the halving bounds all twenty retries by one more budget.
        Assert.True(clock.Elapsed < first * 2 + TimeSpan.FromMilliseconds(500), $"{clock.Elapsed} after a first spin of {first}");
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value = value;
    }
}
