using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Lifecycle;
using Spectre.Console;

namespace PluginHost.Host.Cli;

/// <summary>
/// <c>pluginhost top</c>: each instance's state, messages per second in and out, inbox depth, failures, restarts and
/// memory, read from the running host's status file every second. In a terminal a live Spectre.Console table until
/// Ctrl+C (or <c>--count=N</c> refreshes); otherwise plain text, one table per refresh, once unless <c>--count</c> says
/// more (a pipe or a log gets snapshots, not escape codes).
/// </summary>
internal static class TopCommand
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);

    // How long a plain snapshot waits for the host's next write, to show rates (the host writes every 2 s).
    private static readonly TimeSpan RateWait = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(IServiceProvider services, int? count, TextWriter output, TextWriter error)
    {
        var configured = services.GetRequiredService<IOptions<PluginHostOptions>>().Value.StatusFile;
        if (configured is null)
        {
            error.WriteLine("pluginhost: top reads the running host's status file: set PluginHost:StatusFile as the host has it (docs/observability.md)");
            return ExitCodes.Failure;
        }
        var path = Path.GetFullPath(configured, services.GetRequiredService<IHostEnvironment>().ContentRootPath);
        if (StatusFile.TryRead(path) is null)
        {
            error.WriteLine($"pluginhost: no host status in {path}: is the host running with PluginHost:StatusFile={configured}?");
            return ExitCodes.Failure;
        }
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler cancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += cancel;
        try
        {
            var view = new TopView();
            return Console.IsOutputRedirected
                ? await PlainAsync(path, view, count ?? 1, output, stop.Token)
                : await LiveAsync(path, view, count, stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= cancel;
        }
    }

    internal static async Task<int> PlainAsync(string path, TopView view, int count, TextWriter output, CancellationToken cancel)
    {
        for (var shown = 0; shown < count && !cancel.IsCancellationRequested; shown++)
        {
            if (shown > 0)
            {
                output.WriteLine();
                await Delay(Refresh, cancel);
            }
            if (!Read(path, view))
                return ExitCodes.Failure;
            // The first table waits for a second write, so it has rates (unless the host stopped writing).
            for (var waited = TimeSpan.Zero; !view.HasRates && HostAlive(view) && waited < RateWait && !cancel.IsCancellationRequested; waited += TimeSpan.FromMilliseconds(200))
            {
                await Delay(TimeSpan.FromMilliseconds(200), cancel);
                Read(path, view);
            }
            view.WritePlain(output, HostAlive(view));
        }
        return HostAlive(view) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static async Task<int> LiveAsync(string path, TopView view, int? count, CancellationToken cancel)
    {
        Read(path, view);
        var table = Table(view);
        await AnsiConsole.Live(table).AutoClear(false).StartAsync(async live =>
        {
            for (var shown = 1; (count is null || shown < count) && !cancel.IsCancellationRequested; shown++)
            {
                await Delay(Refresh, cancel);
                Read(path, view);
                live.UpdateTarget(Table(view));
            }
        });
        return ExitCodes.Success;
    }

    private static Table Table(TopView view)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]pluginhost top[/]").Caption(Markup.Escape(view.Caption(HostAlive(view))));
        foreach (var (header, column) in TopRow.Header.Select((h, c) => (h, c)))
            table.AddColumn(new TableColumn(header) { Alignment = column >= 3 ? Justify.Right : Justify.Left });
        foreach (var row in view.Rows)
        {
            var cells = row.Cells.Select(Markup.Escape).ToArray();
            cells[2] = row.State switch
            {
                PluginState.Running => $"[green]{cells[2]}[/]",
                PluginState.Failed => $"[red]{cells[2]}[/]",
                PluginState.Restarting or PluginState.Starting => $"[yellow]{cells[2]}[/]",
                _ => cells[2],
            };
            table.AddRow(cells);
        }
        return table;
    }

    // A file being replaced or a host that has gone keeps the last view.
    private static bool Read(string path, TopView view)
    {
        if (StatusFile.TryRead(path) is not { } status)
            return view.Status is not null;
        view.Update(status);
        return true;
    }

    private static bool HostAlive(TopView view) =>
        // A host that stopped wrote its instances Stopped last; a killed one left its process id behind.
        view.Status is { } status && Directory.Exists($"/proc/{status.ProcessId}")
        && !(status.Instances.Count > 0 && status.Instances.All(i => i.State == PluginState.Stopped));

    private static async Task Delay(TimeSpan delay, CancellationToken cancel)
    {
        try
        {
            await Task.Delay(delay, cancel);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
