using System.Globalization;
using System.Text.Json;

namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>Receives results as benchmarks produce them.</summary>
public interface IReporter
{
    void Begin(IBenchmark benchmark);

    void Report(BenchResult result);

    void End(IBenchmark benchmark);
}

/// <summary>Exactly one JSON object per line, written as soon as the result is known.</summary>
public sealed class JsonReporter(TextWriter output) : IReporter
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        // Output goes to a terminal or a file, never into HTML: keep "<=" and "+" readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public void Begin(IBenchmark benchmark)
    {
    }

    public void Report(BenchResult result)
    {
        output.WriteLine(JsonSerializer.Serialize(result, Options));
        output.Flush();
    }

    public void End(IBenchmark benchmark)
    {
    }
}

/// <summary>A fixed-width table per benchmark, printed when it ends.</summary>
public sealed class TableReporter(TextWriter output, string python) : IReporter
{
    private static readonly string[] Headings = ["case", "n", "value", "unit", "baseline", "ratio", "stat", "target", "met"];
    private readonly List<string[]> _rows = [];

    public void Begin(IBenchmark benchmark) => _rows.Clear();

    public void Report(BenchResult r) => _rows.Add(
    [
        r.Case, r.N.ToString(CultureInfo.InvariantCulture), Format(r.Value), r.Unit,
        r.Baseline is { } b ? Format(b) : "", r.Ratio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "",
        r.Samples is { } s ? $"{r.Stat} of {s}" : r.Stat ?? "", r.Target ?? "", r.Met switch { true => "yes", false => "NO", null => "" },
    ]);

    public void End(IBenchmark benchmark)
    {
        output.WriteLine($"== {benchmark.Name} (CPython {python}, {Environment.ProcessorCount} logical CPUs)");
        var widths = Headings.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        output.WriteLine(Line(Headings, widths));
        foreach (var row in _rows)
            output.WriteLine(Line(row, widths));
        output.WriteLine();
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i is 1 or 2 or 4 or 5 ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();

    private static string Format(double v) => v.ToString(Math.Abs(v) >= 100 ? "0.0" : "0.000", CultureInfo.InvariantCulture);
}
