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

    /// <summary>Untimed rounds first: lifecycle create/dispose cycles (5), request-reply round trips (2,000).</summary>
    public int? Warmup { get; init; }

    /// <summary>Interpreters kept alive at once to measure resident memory.</summary>
    public int Live { get; init; } = 20;

    /// <summary>Fresh interpreters in which the stdlib imports are timed.</summary>
    public int ImportSamples { get; init; } = 20;

    /// <summary>Messages (or round trips) per case; each benchmark has its own default.</summary>
    public int? Count { get; init; }

    /// <summary>Bytes per small message (64).</summary>
    public int Size { get; init; } = 64;

    /// <summary>broker-throughput: number of large messages (10,000).</summary>
    public int LargeCount { get; init; } = 10_000;

    /// <summary>broker-throughput: bytes per large message (1 MiB).</summary>
    public int LargeSize { get; init; } = 1 << 20;

    /// <summary>broker-throughput: small messages to the subscriber in a worker process (200,000).</summary>
    public int WorkerCount { get; init; } = 200_000;

    /// <summary>lifecycle: idle worker processes started (one after another) and kept alive for their start time and memory (8).</summary>
    public int Workers { get; init; } = 8;

    /// <summary>Broker benchmarks: <c>BrokerOptions.InboxCapacity</c> (null: the host's default).</summary>
    public int? InboxCapacity { get; init; }

    /// <summary>Skip the Python baselines (their rows then carry no baseline or ratio).</summary>
    public bool NoBaselines { get; init; }

    /// <summary>Start the runtime without charging large blocks to interpreters (<c>PythonRuntimeOptions.TrackLargeAllocations</c> off).</summary>
    public bool NoLargeAllocationTracking { get; init; }

    public const string Help = """
          --json              one JSON object per result line (System.Text.Json)
          --repeats N         parallel, allocations: timed repetitions per case, median reported (5)
          --max-n N           parallel, fan-out: largest number of interpreters / subscribers at once (processor count)
          --iterations N      parallel: loop length of one work unit (calibrated to --unit-seconds)
          --unit-seconds S    parallel: calibration target for one unit (0.4)
          --cycles N          lifecycle: timed create/dispose cycles (50)
          --warmup N          lifecycle: untimed cycles first (5); request-reply, host-call: untimed round trips / calls first (2000)
          --live N            lifecycle: idle interpreters kept alive for the memory figure (20)
          --import-samples N  lifecycle: fresh interpreters timing the stdlib imports (20)
          --count N           broker-throughput: small messages (1000000); request-reply: timed round trips (20000);
                              host-call: timed calls of each kind (20000); fan-out: messages published (200000);
                              allocations: loop turns per case (1000000)
          --size N            broker-throughput, request-reply, fan-out, host-call: bytes per small message (64)
          --large-count N     broker-throughput: large messages (10000)
          --large-size N      broker-throughput: bytes per large message (1048576)
          --worker-count N    broker-throughput: small messages to the subscriber in a worker process (200000)
          --workers N         lifecycle: idle worker processes for the start time and memory per worker (8)
          --inbox-capacity N  broker-throughput, request-reply, fan-out: messages per plugin inbox (the host's default, 1024)
          --no-baselines      broker-throughput, request-reply, fan-out, allocations: skip the baselines
          --no-large-allocation-tracking
                              all: run CPython without the wrapper that charges large blocks to interpreters
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
                "--warmup" => o with { Warmup = int.Parse(Next(), NumberStyles.None, CultureInfo.InvariantCulture) },
                "--live" => o with { Live = Positive(Next()) },
                "--import-samples" => o with { ImportSamples = Positive(Next()) },
                "--count" => o with { Count = Positive(Next()) },
                "--size" => o with { Size = Positive(Next()) },
                "--large-count" => o with { LargeCount = Positive(Next()) },
                "--large-size" => o with { LargeSize = Positive(Next()) },
                "--worker-count" => o with { WorkerCount = Positive(Next()) },
                "--workers" => o with { Workers = Positive(Next()) },
                "--inbox-capacity" => o with { InboxCapacity = Positive(Next()) },
                "--no-baselines" => o with { NoBaselines = true },
                "--no-large-allocation-tracking" => o with { NoLargeAllocationTracking = true },
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
