using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Locating;

/// <summary>
/// Everything <see cref="PythonLocator"/> looks at besides the file system: environment variables
/// (PLUGINHOST_PYTHON, PATH, HOME, PYENV_ROOT) and the system library folders to scan.
/// Injectable so tests can point the locator at fake layouts instead of the real machine.
/// </summary>
/// <param name="GetVariable">Reads an environment variable; null when unset.</param>
/// <param name="LibraryFolders">Folders scanned for libpython3.X.so after PATH and pyenv, in order.</param>
public sealed record PythonLocatorEnvironment(Func<string, string?> GetVariable, IReadOnlyList<string> LibraryFolders)
{
    /// <summary>How long a python executable may take to answer; a cold pyenv shim needs a second or two.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The real process environment and the usual system library folders.</summary>
    public static PythonLocatorEnvironment ForThisProcess() =>
        new(Environment.GetEnvironmentVariable, DefaultLibraryFolders());

    /// <summary>/usr/local/lib, /usr/lib and the Debian multiarch folder for this process's architecture.</summary>
    public static IReadOnlyList<string> DefaultLibraryFolders()
    {
        var triplet = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86_64-linux-gnu",
            Architecture.Arm64 => "aarch64-linux-gnu",
            _ => null,
        };
        return triplet is null ? ["/usr/local/lib", "/usr/lib"] : ["/usr/local/lib", "/usr/lib", $"/usr/lib/{triplet}"];
    }
}
