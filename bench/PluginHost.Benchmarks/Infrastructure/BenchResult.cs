using System.Text.Json.Serialization;

namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>
/// One measured figure. <see cref="N"/> is how many interpreters took part at once; <see cref="Samples"/> how many
/// measurements <see cref="Stat"/> summarises. When a baseline ran beside it, <see cref="Ratio"/> is oriented so
/// that higher is better (for times: baseline time / our time).
/// </summary>
public sealed record BenchResult(
    [property: JsonPropertyOrder(0)] string Bench,
    [property: JsonPropertyOrder(1)] string Case,
    [property: JsonPropertyOrder(2)] int N,
    [property: JsonPropertyOrder(3)] double Value,
    [property: JsonPropertyOrder(4)] string Unit)
{
    [JsonPropertyOrder(5)] public double? Baseline { get; init; }

    [JsonPropertyOrder(6)] public double? Ratio { get; init; }

    /// <summary>The goal from the issue, e.g. <c>value &lt;= 10 ms</c> or <c>ratio &gt;= 1.70</c>.</summary>
    [JsonPropertyOrder(7)] public string? Target { get; init; }

    /// <summary>Whether <see cref="Target"/> was met in this run.</summary>
    [JsonPropertyOrder(8)] public bool? Met { get; init; }

    [JsonPropertyOrder(9)] public string? Stat { get; init; }

    [JsonPropertyOrder(10)] public int? Samples { get; init; }

    /// <summary>CPython version (filled in by the program).</summary>
    [JsonPropertyOrder(11)] public string? Python { get; init; }

    [JsonPropertyOrder(12)] public string? Note { get; init; }

    /// <summary>Attaches a "value &lt;= limit" target.</summary>
    public BenchResult AtMost(double limit) =>
        this with { Target = $"value <= {limit:0.###} {Unit}", Met = Value <= limit };

    /// <summary>Attaches a "value &gt;= limit" target.</summary>
    public BenchResult AtLeast(double limit) =>
        this with { Target = $"value >= {limit:0.###} {Unit}", Met = Value >= limit };

    /// <summary>Attaches a "ratio &gt;= limit" target.</summary>
    public BenchResult RatioAtLeast(double limit) =>
        this with { Target = $"ratio >= {limit:0.00}", Met = Ratio >= limit };
}
