using System.Globalization;
using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Cli;

/// <summary>One instance's line in <c>pluginhost top</c>; rates are null until two different writes were read.</summary>
internal sealed record TopRow(string Plugin, int Instance, PluginState State, double? InPerSecond, double? OutPerSecond,
    int Inbox, long Failed, int Restarts, long? MemoryBytes)
{
    public static readonly string[] Header = ["PLUGIN", "INST", "STATE", "IN/S", "OUT/S", "INBOX", "FAILED", "RESTARTS", "MEMORY"];

    public string[] Cells =>
    [
        Plugin, Instance.ToString(CultureInfo.InvariantCulture), State.ToString().ToLowerInvariant(), Rate(InPerSecond), Rate(OutPerSecond),
        Inbox.ToString(CultureInfo.InvariantCulture), Failed.ToString(CultureInfo.InvariantCulture),
        Restarts.ToString(CultureInfo.InvariantCulture),
        MemoryBytes is { } bytes ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB") : "-",
    ];

    private static string Rate(double? perSecond) => perSecond is { } r ? r.ToString("F1", CultureInfo.InvariantCulture) : "-";
}

/// <summary>
/// Turns successive reads of a status file into rows with message rates: the counters' difference between two writes
/// over the time between them (the host writes every 2 s, so a refresh that reads the same write keeps the rates).
/// </summary>
internal sealed class TopView
{
    private HostStatus? _previous;
    private readonly Dictionary<(string, int), (double In, double Out)> _rates = [];

    public IReadOnlyList<TopRow> Rows { get; private set; } = [];

    public HostStatus? Status { get; private set; }

    /// <summary>True once rates are known (two different writes were read).</summary>
    public bool HasRates => _rates.Count > 0 || (Status is { Instances.Count: 0 } && _previous is not null);

    public void Update(HostStatus status)
    {
        if (_previous is { } previous && status.Written > previous.Written)
        {
            var seconds = (status.Written - previous.Written).TotalSeconds;
            var before = previous.Instances.ToDictionary(i => (i.Plugin, i.Instance));
            foreach (var now in status.Instances)
            {
                // A counter that went down is a different host's (restarted between reads): no rate from it.
                if (before.TryGetValue((now.Plugin, now.Instance), out var then) && now.Received >= then.Received && now.Sent >= then.Sent)
                    _rates[(now.Plugin, now.Instance)] = ((now.Received - then.Received) / seconds, (now.Sent - then.Sent) / seconds);
            }
        }
        if (_previous is null || status.Written > _previous.Written)
            _previous = status;
        Status = status;
        Rows = status.Instances.OrderBy(i => i.Plugin, StringComparer.Ordinal).ThenBy(i => i.Instance).Select(i =>
        {
            var rate = _rates.TryGetValue((i.Plugin, i.Instance), out var r) ? r : ((double In, double Out)?)null;
            return new TopRow(i.Plugin, i.Instance, i.State, rate?.In, rate?.Out, i.Waiting, i.Failed, i.Restarts, i.MemoryBytes);
        }).ToList();
    }

    /// <summary>What the table's caption says: which host, when it wrote, whether it still runs.</summary>
    public string Caption(bool hostAlive) => Status is not { } status ? "no status yet"
        : string.Create(CultureInfo.InvariantCulture,
            $"host process {status.ProcessId}{(hostAlive ? "" : " (not running)")}, {status.Instances.Count} instance(s), written {status.Written:u}");

    /// <summary>The rows as aligned plain text, for output that is not a terminal.</summary>
    public void WritePlain(TextWriter output, bool hostAlive)
    {
        var rows = Rows.Select(r => r.Cells).Prepend(TopRow.Header).ToList();
        var widths = Enumerable.Range(0, TopRow.Header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
            output.WriteLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        output.WriteLine(Caption(hostAlive));
    }
}
