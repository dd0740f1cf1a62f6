using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace PluginHost.Interpreter.Locating;

/// <summary>Asks a python executable (or pyenv shim) where its shared library is, by running it with a sysconfig one-liner.</summary>
internal sealed class PythonExecutableProbe(TimeSpan timeout)
{
    // Python 2 compatible so an old interpreter still answers and gets a version-based reason rather than a crash.
    private const string Script = """
        import sys, sysconfig, json
        c = sysconfig.get_config_var
        print(json.dumps({'major': sys.version_info[0], 'minor': sys.version_info[1],
            'home': getattr(sys, 'base_prefix', sys.prefix), 'libdir': c('LIBDIR'),
            'instsoname': c('INSTSONAME'), 'ldlibrary': c('LDLIBRARY'),
            'shared': c('Py_ENABLE_SHARED'), 'gil_disabled': c('Py_GIL_DISABLED')}))
        """;

    public ProbeResult Probe(string executable, string foundBy)
    {
        var answer = Run(executable, out var problem);
        return answer is null ? ProbeResult.Unusable(problem!) : Interpret(answer.Value, foundBy);
    }

    private static ProbeResult Interpret(JsonElement answer, string foundBy)
    {
        var version = new Version(Int(answer, "major") ?? 0, Int(answer, "minor") ?? 0);
        if (version < ProbeResult.MinimumVersion) return ProbeResult.TooOld(version);
        if (Int(answer, "shared") != 1)
            return ProbeResult.Unusable("built without --enable-shared, so there is no libpython shared library to load");

        var libdir = Str(answer, "libdir");
        if (libdir is null) return ProbeResult.Unusable("sysconfig reports no LIBDIR");

        // INSTSONAME (libpython3.13.so.1.0) is always installed; LDLIBRARY (libpython3.13.so) may need a -dev package.
        var names = new[] { Str(answer, "instsoname"), Str(answer, "ldlibrary") }
            .OfType<string>().Where(n => n.Contains(".so", StringComparison.Ordinal)).Distinct().ToList();
        var library = names.Select(n => Path.Combine(libdir, n)).FirstOrDefault(p => LibPythonFile.RealFile(p) is not null);
        if (library is null)
            return ProbeResult.Unusable($"its shared library is missing: none of {string.Join(", ", names.Select(n => Path.Combine(libdir, n)))} exists");

        var home = Str(answer, "home") is { } h && Directory.Exists(h) ? h : null;
        return LibPythonFile.Accept(library, version, freeThreaded: Int(answer, "gil_disabled") == 1, home, foundBy);
    }

    private JsonElement? Run(string executable, out string? problem)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-S"); // no site: faster, and user site-packages cannot interfere
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            problem = $"could not be run: {e.Message}";
            return null;
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Bounded wait on the pipes too: a grandchild of a shim could keep them open after the child exits.
        if (!process.WaitForExit(timeout) || !Task.WaitAll([stdout, stderr], timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            problem = $"did not answer within {timeout.TotalSeconds:0.#} s";
            return null;
        }

        if (process.ExitCode != 0)
        {
            problem = $"exited with code {process.ExitCode}" + (FirstLine(stderr.Result) is { } why ? $": {why}" : "");
            return null;
        }

        var json = stdout.Result.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'));
        try
        {
            using var document = json is null ? null : JsonDocument.Parse(json);
            if (document?.RootElement is { ValueKind: JsonValueKind.Object } root)
            {
                problem = null;
                return root.Clone();
            }
        }
        catch (JsonException) { }
        problem = $"gave an unexpected answer: {FirstLine(stdout.Result) ?? "(nothing)"}";
        return null;
    }

    private static string? FirstLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);

    private static int? Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}
