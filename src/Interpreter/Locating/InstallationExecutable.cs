namespace PluginHost.Interpreter.Locating;

/// <summary>
/// The python executable of an installation, for <c>sys.executable</c>: python3 sets it to itself, and code runs
/// <c>subprocess.run([sys.executable, ...])</c> expecting the same CPython. Left to CPython, an embedded runtime
/// searches PATH for "python3" and finds whatever is first there (another version, a pyenv shim).
/// </summary>
public static class InstallationExecutable
{
    /// <summary>
    /// <c>&lt;prefix&gt;/bin/python3.X</c>, else <c>&lt;prefix&gt;/bin/python3</c>, whichever exists (symlinks kept, as
    /// python3 keeps them); the prefix is <see cref="PythonInstallation.Home"/> or the folder above the library's. When
    /// neither exists, the <c>python3.X</c> path anyway: running it fails, rather than running a different Python.
    /// </summary>
    public static (string Path, bool Exists) Of(PythonInstallation installation)
    {
        var prefix = installation.Home ?? Path.GetDirectoryName(Path.GetDirectoryName(installation.LibraryPath)) ?? "/";
        var versioned = Path.Combine(prefix, "bin", $"python{installation.Version.Major}.{installation.Version.Minor}");
        foreach (var candidate in new[] { versioned, Path.Combine(prefix, "bin", $"python{installation.Version.Major}") })
        {
            if (File.Exists(candidate))
                return (candidate, true);
        }
        return (versioned, false);
    }
}
