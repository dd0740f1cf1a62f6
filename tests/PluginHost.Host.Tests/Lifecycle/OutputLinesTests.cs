using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

public sealed class OutputLinesTests
{
    [Fact]
    public void LinesAreEmittedAsTheyEndAndTheRestWaits()
    {
        var lines = new OutputLines(100);
        var emitted = new List<string>();

        lines.Append("one\r\ntw", emitted.Add);
        lines.Append("o\nthree", emitted.Add);

        Assert.Equal(["one", "two"], emitted);
        Assert.Equal("three", lines.Take());
        Assert.True(lines.IsEmpty);
    }

    [Fact]
    public void ALineOverTheLimitKeepsItsHeadCountsTheRestAndNeverBuffersMore()
    {
        var lines = new OutputLines(1000);
        var emitted = new List<string>();
        var piece = new string('x', 16 * 1024);

        for (var i = 0; i < 3000; i++)   // ~49 MB without a newline
        {
            lines.Append(piece, emitted.Add);
            Assert.True(lines.Buffered <= 1000);
        }
        lines.Append("tail\nnext", emitted.Add);

        var cut = Assert.Single(emitted);
        Assert.Equal(new string('x', 1000) + $"… [{3000L * piece.Length + 4 - 1000} more characters dropped: a line of output or logging record is cut at 1000 characters]", cut);
        Assert.Equal("next", lines.Take());
    }

    [Fact]
    public void ACutNeverSplitsASurrogatePair()
    {
        var lines = new OutputLines(4);
        var emitted = new List<string>();

        lines.Append("abc😀def\n", emitted.Add);

        Assert.StartsWith("abc… [5 more characters dropped", Assert.Single(emitted));
    }
}
