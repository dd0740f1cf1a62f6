using System.Text.RegularExpressions;

namespace PluginHost.Interpreter.Locating;

/// <summary>
/// Finds a CPython 3.12+ shared library. Order: the configured value (Python:Library), PLUGINHOST_PYTHON,
/// python3.13/python3.12/python3 on PATH, pyenv versions (newest first), then the system library folders.
/// An explicit value that cannot be used is an error, never silently replaced by something else.
/// </summary>
public sealed partial class PythonLocator
{
    public const string EnvironmentVariable = "PLUGINHOST_PYTHON";
    public const string ConfigurationKey = "Python:Library";

    private static readonly string[] PathNames = ["python3.13", "python3.12", "python3"];

    private readonly PythonLocatorEnvironment _environment;
    private readonly PythonExecutableProbe _executables;

    public PythonLocator(PythonLocatorEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
        _executables = new PythonExecutableProbe(environment.ProbeTimeout);
    }

    public static PythonLocator ForThisProcess() => new(PythonLocatorEnvironment.ForThisProcess());

    /// <summary>Returns the first usable installation; throws <see cref="PythonNotFoundException"/> listing what was tried.</summary>
    /// <param name="configuredLibrary">The host's Python:Library setting (library, executable or prefix), or null.</param>
    public PythonInstallation Locate(string? configuredLibrary)
    {
        if (!string.IsNullOrWhiteSpace(configuredLibrary))
            return Explicit(configuredLibrary.Trim(), $"configuration {ConfigurationKey}", LocatorMessages.ConfigurationFix);
        if (Variable(EnvironmentVariable) is { } fromEnvironment)
            return Explicit(fromEnvironment, EnvironmentVariable, LocatorMessages.EnvironmentFix);

        var attempts = new List<string>();
        return Search(attempts) ?? throw new PythonNotFoundException(LocatorMessages.NothingUsable(attempts), attempts);
    }

    private PythonInstallation Explicit(string value, string source, string fix)
    {
        var result = ProbeExplicit(value, source);
        if (result.Installation is { } found) return found;
        throw new PythonNotFoundException(
            $"{source} is set to '{value}', which cannot be used: {result.Problem}.{Environment.NewLine}{fix}",
            [$"{source}: {value}: {result.Problem}"]);
    }

    // A library file, a python executable, an installation prefix, or a bare command name looked up on PATH.
    private ProbeResult ProbeExplicit(string value, string source)
    {
        var path = value.StartsWith("~/", StringComparison.Ordinal) && Variable("HOME") is { } home
            ? Path.Combine(home, value[2..])
            : value;
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) return ProbePrefix(full, source);

        if (!path.Contains('/') && !File.Exists(full))
        {
            var byName = LibPythonFile.LooksLikeLibrary(path)
                ? _environment.LibraryFolders.Select(f => Path.Combine(f, path)).FirstOrDefault(File.Exists)
                : FindOnPath(path);
            if (byName is null)
                return ProbeResult.Unusable($"no such file here, on PATH or in {string.Join(", ", _environment.LibraryFolders)}");
            var result = ProbeFile(byName, source);
            return result.Installation is null ? ProbeResult.Unusable($"found {byName}, but {result.Problem}") : result;
        }
        return ProbeFile(full, source);
    }

    private ProbeResult ProbeFile(string path, string source)
    {
        if (LibPythonFile.LooksLikeLibrary(path)) return LibPythonFile.Probe(path, source);
        return LibPythonFile.RealFile(path) is null ? ProbeResult.Unusable("does not exist") : _executables.Probe(path, source);
    }

    private ProbeResult ProbePrefix(string prefix, string source)
    {
        var problems = new List<string>();
        foreach (var library in LibPythonFile.FindIn(Path.Combine(prefix, "lib")).Concat(LibPythonFile.FindIn(prefix)))
        {
            var result = LibPythonFile.Probe(library, source);
            if (result.Installation is not null) return result;
            problems.Add($"{Path.GetFileName(library)}: {result.Problem}");
        }
        if (problems.Count > 0) return ProbeResult.Unusable($"no usable library in this folder ({string.Join("; ", problems)})");

        var python = Path.Combine(prefix, "bin", "python3");
        return LibPythonFile.RealFile(python) is null
            ? ProbeResult.Unusable("a folder with no libpython3.X.so in it or in its lib folder, and no bin/python3")
            : _executables.Probe(python, source);
    }

    private PythonInstallation? Search(List<string> attempts)
    {
        foreach (var name in PathNames)
        {
            var source = $"{name} on PATH";
            if (FindOnPath(name) is not { } executable)
                attempts.Add($"{source}: not found in any PATH folder");
            else if (Record(_executables.Probe(executable, source), $"{source}: {executable}", attempts) is { } found)
                return found;
        }

        foreach (var (folder, source) in PyenvLibraryFolders(attempts).Concat(_environment.LibraryFolders.Select(f => (f, $"library folder {f}"))))
        {
            var libraries = LibPythonFile.FindIn(folder);
            if (libraries.Count == 0)
                attempts.Add($"{source}: no libpython3.X.so in {folder}");
            foreach (var library in libraries)
            {
                if (Record(LibPythonFile.Probe(library, source), $"{source}: {library}", attempts) is { } found)
                    return found;
            }
        }
        return null;
    }

    private static PythonInstallation? Record(ProbeResult result, string candidate, List<string> attempts)
    {
        if (result.Installation is null) attempts.Add($"{candidate}: {result.Problem}");
        return result.Installation;
    }

    // <root>/versions/<name>/lib for each installed pyenv version, newest version first (3.13.1 before 3.9.20).
    private IEnumerable<(string Folder, string Source)> PyenvLibraryFolders(List<string> attempts)
    {
        var root = Variable("PYENV_ROOT") ?? (Variable("HOME") is { } home ? Path.Combine(home, ".pyenv") : null);
        if (root is null)
        {
            attempts.Add("pyenv: neither PYENV_ROOT nor HOME is set");
            return [];
        }
        var versions = Path.Combine(root, "versions");
        if (!Directory.Exists(versions))
        {
            attempts.Add($"pyenv: {versions} does not exist");
            return [];
        }
        return Directory.EnumerateDirectories(versions)
            .Select(dir => (dir, version: LeadingVersion(Path.GetFileName(dir))))
            .OrderByDescending(v => v.version)
            .ThenBy(v => v.dir, StringComparer.Ordinal)
            .Select(v => (Path.Combine(v.dir, "lib"), $"pyenv version {Path.GetFileName(v.dir)}"))
            .ToList();
    }

    [GeneratedRegex(@"^(\d{1,6})\.(\d{1,6})(?:\.(\d{1,6}))?")]
    private static partial Regex VersionPrefix();

    private static Version LeadingVersion(string name)
    {
        var match = VersionPrefix().Match(name);
        if (!match.Success) return new Version(0, 0, 0);
        var patch = match.Groups[3].Success ? int.Parse(match.Groups[3].Value) : 0;
        return new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), patch);
    }

    // Searched in-process: `which` may be missing, and relative PATH entries would depend on the current directory.
    private string? FindOnPath(string name)
    {
        foreach (var folder in (Variable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Path.IsPathRooted(folder)) continue;
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate) && IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows()) return true;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        try
        {
            return (File.GetUnixFileMode(path) & anyExecute) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private string? Variable(string name) => _environment.GetVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
