using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>The bundled sample plugins, run by the real program on a copy of plugins/.</summary>
public sealed class SamplePluginTests : IDisposable
{
    private static readonly string RepositoryPlugins = Repository.Path("plugins");

    private readonly PluginFolders _copy = new();

    [Fact]
    public async Task ACsvDroppedIntoFolderWatchIsSummarisedBySalesReportAndEnteredInTheLedgerOfAWorkerProcessAndWordDigestDigestsItsTextsConcurrently()
    {
        CopyDirectory(RepositoryPlugins, _copy.Root);
        using var host = HostProcess.Start([
            $"--PluginHost:PluginDirectories:0={_copy.Root}",
            "--PluginHost:Plugins:folder-watch:Settings:interval_seconds=0.2",
        ]);
        await host.WaitForOutputAsync("5 of 5 plugin instances running", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync("watching", TimeSpan.FromSeconds(30));

        File.Copy(Path.Combine(_copy.Root, "sales-report/data/orders.csv"), Path.Combine(_copy.Root, "folder-watch/inbox/october.csv"));

        await host.WaitForOutputAsync("new file october.csv", TimeSpan.FromSeconds(30));
        await host.WaitForOutputAsync("200 orders from october.csv", TimeSpan.FromSeconds(30));
        // sales-ledger, in a worker process (a single-phase module): opened with the bundled summary it requested.
        await host.WaitForOutputAsync("ledger: october.csv adds 200 orders; 400 orders in 2 reports", TimeSpan.FromSeconds(30));
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("200 orders from orders.csv", host.Output);
        Assert.Contains("text-tools ready on .NET", host.Output);
        // word-digest (asyncio): its bundled texts digested through concurrent requests to text-tools.
        Assert.Contains("word-digest: 3 bundled texts, 135 words, most often 'the'", host.Output);
        Assert.Contains("ledger: sales-report's bundled data adds 200 orders", host.Output);
        Assert.Matches(@"plugin:sales-ledger/0 runs in worker process \d+", host.Output);
        Assert.DoesNotContain("Traceback", host.Output);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(from, to));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to), overwrite: true);
    }

    public void Dispose() => _copy.Dispose();
}
