using System.Globalization;

namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>Command-line options shared by all benchmarks; each benchmark reads the ones it uses.</summary>
public sealed record BenchOptions
{
    public bool Json { get; init; }

    /// <summary>Timed repetitions per parallel case; the median is reported.</summary>
    public int Repeats { get; init; } = 5;

    /// <summary>Largest number of interpreters run at once in <c>parallel</c>.</summary>
    public int MaxN { get; init; } = Environment.ProcessorCount;

    /// <summary>Loop length of one work unit; 0 calibrates it to <see cref="UnitSeconds"/>.</summary>
    public long Iterations { get; init; }

    public double UnitSeconds { get; init; } = 0.4;

    /// <summary>Timed create/dispose cycles in <c>lifecycle</c>.</summary>
    public int Cycles { get; init; } = 50;

    public int Warmup { get; init; } = 5;

    /// <summary>Interpreters kept alive at once to measure resident memory.</summary>
    public int Live { get; init; } = 20;

    /// <summary>Fresh interpreters in which the stdlib imports are timed.</summary>
    public int ImportSamples { get; init; } = 20;

    public const string Help = """
          --json              one JSON object per result line (System.Text.Json)
          --repeats N         parallel: timed repetitions per case, median reported (5)
          --max-n N           parallel: largest number of interpreters at once (processor count)
          --iterations N      parallel: loop length of one work unit (calibrated to --unit-seconds)
          --unit-seconds S    parallel: calibration target for one unit (0.4)
          --cycles N          lifecycle: timed create/dispose cycles (50)
          --warmup N          lifecycle: untimed cycles first (5)
          --live N            lifecycle: idle interpreters kept alive for the memory figure (20)
          --import-samples N  lifecycle: fresh interpreters timing the stdlib imports (20)
        """;

    /// <summary>Parses the options after the benchmark name; throws <see cref="FormatException"/> on anything unknown.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            o = args[i] switch
            {
                "--json" => o with { Json = true },
                "--repeats" => o with { Repeats = Positive(Next()) },
                "--max-n" => o with { MaxN = Positive(Next()) },
                "--iterations" => o with { Iterations = Positive(Next()) },
                "--unit-seconds" => o with { UnitSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--cycles" => o with { Cycles = Positive(Next()) },
                "--warmup" => o with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--live" => o with { Live = Positive(Next()) },
                "--import-samples" => o with { ImportSamples = Positive(Next()) },
                _ => throw new FormatException($"Unknown option '{args[i]}'."),
            };
        }
        return o;
    }

    private static int Positive(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new FormatException($"'{text}' is not a positive integer.");
}
