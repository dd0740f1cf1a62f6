using System.Text.RegularExpressions;

namespace PluginHost.Interpreter.Locating;

/// <summary>Recognising and checking libpython shared libraries found as bare files (no executable to ask).</summary>
internal static partial class LibPythonFile
{
    // libpython3.13.so, libpython3.13.so.1.0, libpython3.7m.so, libpython3.13t.so (free-threaded).
    [GeneratedRegex(@"^libpython(?<major>\d+)\.(?<minor>\d+)(?<flags>[a-z]*)\.so(\.\d+)*$")]
    private static partial Regex VersionedName();

    public static bool LooksLikeLibrary(string path)
    {
        var name = Path.GetFileName(path);
        return name.StartsWith("libpython", StringComparison.Ordinal) || name.Contains(".so", StringComparison.Ordinal);
    }

    /// <summary>A library named by the user or found in a folder: version from the file name, Home from the layout.</summary>
    public static ProbeResult Probe(string path, string foundBy)
    {
        var name = Path.GetFileName(path);
        var match = VersionedName().Match(name);
        if (!match.Success)
        {
            return ProbeResult.Unusable(name switch
            {
                "libpython3.so" => "libpython3.so is only the stable-ABI forwarder; name the versioned library, e.g. libpython3.13.so",
                _ when name.EndsWith(".a", StringComparison.Ordinal) => "a static archive; a shared library (libpython3.X.so, Python built with --enable-shared) is needed",
                _ => "cannot tell the Python version from the file name; expected libpython3.X.so",
            });
        }

        var version = new Version(int.Parse(match.Groups["major"].Value), int.Parse(match.Groups["minor"].Value));
        var flags = match.Groups["flags"].Value;
        var home = InferHome(Path.GetDirectoryName(path)!, $"python{version.Major}.{version.Minor}{flags}");
        return Accept(path, version, freeThreaded: flags.Contains('t'), home, foundBy);
    }

    /// <summary>Checks shared by every route: new enough, default (GIL) build, an existing ELF file.</summary>
    public static ProbeResult Accept(string path, Version version, bool freeThreaded, string? home, string foundBy)
    {
        if (RealFile(path) is not { } real) return ProbeResult.Unusable("does not exist");
        if (version < ProbeResult.MinimumVersion) return ProbeResult.TooOld(version);
        // The host's interop assumes the default object layout; free-threaded builds change it.
        if (freeThreaded) return ProbeResult.Unusable("free-threaded build (different ABI); use the default build of 3.12 or newer");
        if (NotElfReason(real) is { } problem) return ProbeResult.Unusable(problem);
        return ProbeResult.Found(new PythonInstallation(real, home, version, foundBy));
    }

    /// <summary>libpython files in a folder, one per real file (the .so link and its .so.1.0 target count once), newest first.</summary>
    public static IReadOnlyList<string> FindIn(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, "libpython*.so*")
            .Select(path => (path, match: VersionedName().Match(Path.GetFileName(path))))
            .Where(c => c.match.Success)
            .GroupBy(c => RealFile(c.path) ?? c.path, StringComparer.Ordinal)
            .Select(g => g.OrderBy(c => c.path.Length).ThenBy(c => c.path, StringComparer.Ordinal).First())
            .OrderByDescending(c => int.Parse(c.match.Groups["major"].Value))
            .ThenByDescending(c => int.Parse(c.match.Groups["minor"].Value))
            .ThenBy(c => c.path, StringComparer.Ordinal)
            .Select(c => c.path)
            .ToList();
    }

    /// <summary>The file a path finally points at, or null when missing or a dangling link.</summary>
    public static string? RealFile(string path)
    {
        var info = new FileInfo(path);
        var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true);
        return target is { Exists: true } ? Path.GetFullPath(target.FullName) : null;
    }

    // <prefix>/lib/libpython3.13.so or Debian's <prefix>/lib/x86_64-linux-gnu/libpython3.13.so.1.0,
    // with the standard library at <prefix>/lib/python3.13; otherwise let CPython find its own home.
    private static string? InferHome(string libraryFolder, string stdlibName)
    {
        foreach (var lib in new[] { libraryFolder, Path.GetDirectoryName(libraryFolder) })
        {
            if (lib is not null && File.Exists(Path.Combine(lib, stdlibName, "os.py")))
                return Path.GetDirectoryName(lib);
        }
        return null;
    }

    // Distributions sometimes ship text linker scripts or stubs under .so names; dlopen would fail on them.
    private static ReadOnlySpan<byte> ElfMagic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    private static string? NotElfReason(string path)
    {
        try
        {
            Span<byte> magic = stackalloc byte[4];
            using var stream = File.OpenRead(path);
            return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual(ElfMagic)
                ? null
                : "not an ELF shared library";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read: {e.Message}";
        }
    }
}
