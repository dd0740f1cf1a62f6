using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PluginHost.Interpreter.Locating;

namespace PluginHost.Benchmarks.Infrastructure;

/// <summary>
/// Runs one of the Python scripts in <c>baselines/</c> (copied next to the program) with the same CPython the host
/// embeds, as a child process, and parses the one JSON line it prints. The script's stderr is passed on to the log.
/// </summary>
public static class PythonBaseline
{
    private const string Fallback = "/root/.pyenv/versions/3.13.0/bin/python3.13";

    /// <summary>The <c>python3.X</c> executable beside the embedded libpython: <c>&lt;prefix&gt;/bin/python3.X</c>.</summary>
    public static string Executable(PythonInstallation installation)
    {
        var name = $"python{installation.Version.Major}.{installation.Version.Minor}";
        // Home is the prefix when known; otherwise libpython lives in <prefix>/lib.
        var prefix = installation.Home ?? Path.GetDirectoryName(Path.GetDirectoryName(installation.LibraryPath));
        var candidate = prefix is null ? null : Path.Combine(prefix, "bin", name);
        if (candidate is not null && File.Exists(candidate))
            return candidate;
        if (File.Exists(Fallback))
            return Fallback;
        throw new FileNotFoundException($"No {name} executable at {candidate ?? "(unknown prefix)"} nor {Fallback}.");
    }

    /// <summary>
    /// Whether the <c>_interpqueues</c> baseline can run: the module is new in CPython 3.13. With 3.12 the rows that
    /// compare against it are reported without a baseline, and the log says why.
    /// </summary>
    public static bool HasInterpQueues(BenchContext context)
    {
        var version = context.Runtime.Installation.Version;
        if (version >= new Version(3, 13))
            return true;
        context.Log.WriteLine($"baseline: _interpqueues is new in CPython 3.13; with {version} its rows have no baseline.");
        return false;
    }

    /// <summary>Path of a baseline script in the output folder.</summary>
    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "baselines", name);

    /// <summary>Runs <paramref name="script"/> with <paramref name="arguments"/> and returns its JSON result.</summary>
    public static async Task<JsonElement> RunAsync(BenchContext context, string script, IEnumerable<object> arguments, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(Executable(context.Runtime.Installation))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Script(script))!,
        };
        // -I: isolated mode (no user site, no PYTHON* variables), so nothing from the environment changes the run.
        start.ArgumentList.Add("-I");
        start.ArgumentList.Add(Script(script));
        foreach (var argument in arguments)
            start.ArgumentList.Add(Convert.ToString(argument, CultureInfo.InvariantCulture)!);

        context.Log.WriteLine($"baseline: {start.FileName} {string.Join(' ', start.ArgumentList)}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (errors.Length > 0)
            context.Log.Write(errors);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"Baseline {script} exited with code {process.ExitCode}: {errors.Trim()}");
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"Baseline {script} printed nothing.");
        context.Log.WriteLine($"baseline: {line}");
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }
}
