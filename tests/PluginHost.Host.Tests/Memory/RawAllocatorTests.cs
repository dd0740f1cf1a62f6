using PluginHost.Interpreter.Memory;

namespace PluginHost.Host.Tests.Memory;

/// <summary>
/// The large-block hook (Python:TrackLargeAllocations) wraps CPython's process-wide raw allocator. CPython 3.12 switched
/// that allocator to the default and back while creating every interpreter (_Py_ClearStandardStreamEncoding), so
/// interpreters created side by side lost the hook for good and freed its blocks with plain free(): heap corruption in
/// the red team's 3.12 run. scripts/test.sh runs this category on 3.12 and 3.13.
/// </summary>
[Collection(PythonCollection.Name)]
[Trait("Category", "EveryVersion")]
public sealed class RawAllocatorTests(PythonRuntimeFixture fixture)
{
    private const int Creators = 2, InterpretersEach = 20;

    [Fact]
    public async Task TheLargeBlockHookSurvivesInterpretersCreatedSideBySide()
    {
        var ledger = fixture.Runtime.LargeAllocations;
        Assert.NotNull(ledger);
        var skippedBefore = StreamEncodingSwap.Skipped;

        // Each interpreter allocates and frees large (raw-domain) blocks while the other creator makes its next one.
        await Task.WhenAll(Enumerable.Range(0, Creators).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < InterpretersEach; i++)
            {
                await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();
                await interpreter.RunAsync("blocks = [bytes(4096) for _ in range(200)]\ndel blocks");
            }
        })));

        Assert.True(ledger.IsInstalled, "the raw allocator is no longer the large-block hook");
        if (fixture.Runtime.Version.StartsWith("3.12.", StringComparison.Ordinal))
            Assert.True(StreamEncodingSwap.Skipped - skippedBefore >= Creators * InterpretersEach,
                $"CPython's _Py_ClearStandardStreamEncoding still runs: {StreamEncodingSwap.Skipped - skippedBefore} calls skipped for {Creators * InterpretersEach} interpreters");
        else
            Assert.Equal(skippedBefore, StreamEncodingSwap.Skipped);
    }
}
