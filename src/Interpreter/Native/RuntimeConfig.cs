using System.Runtime.InteropServices;
using PluginHost.Interpreter.Locating;

namespace PluginHost.Interpreter.Native;

/// <summary>
/// Initialises the main interpreter from an isolated <c>PyConfig</c>: no environment variables (PYTHONPATH etc.),
/// no user site, no Python signal handlers (SIGINT stays with .NET), no <c>site</c> import (the installation's
/// site-packages are not on any interpreter's path: a plugin sees the stdlib, its folder and its own lib/ only),
/// <c>home</c> set explicitly so a relocated Python finds its stdlib, and <c>executable</c> set to the installation's
/// own python. The locale is configured as python3 configures it (PEP 538 coercion, PEP 540 UTF-8 mode), from the
/// process's LC_ALL/LC_CTYPE/LANG. PyConfig's layout differs per version, so only measured layouts are used.
/// </summary>
internal static unsafe class RuntimeConfig
{
    private const int BufferSize = 1024;

    /// <summary>offsetof(PyConfig, site_import): 176 on both 3.12 and 3.13.</summary>
    private const int SiteImportOffset = 176;

    /// <summary>offsetof(PyConfig, home), measured with each version's headers (sizeof is 432 on 3.12, 448 on 3.13).</summary>
    private static readonly Dictionary<(int, int), int> HomeOffset = new()
    {
        [(3, 12)] = 288,
        [(3, 13)] = 296,
    };

    /// <summary>offsetof(PyConfig, executable), measured like <see cref="HomeOffset"/>.</summary>
    private static readonly Dictionary<(int, int), int> ExecutableOffset = new()
    {
        [(3, 12)] = 336,
        [(3, 13)] = 344,
    };

    // PyPreConfig (40 bytes, the same on 3.12 and 3.13): offsets of the int fields set below.
    private const int PreConfigureLocaleOffset = 16;
    private const int PreCoerceCLocaleOffset = 20;
    private const int PreCoerceCLocaleWarnOffset = 24;
    private const int PreUtf8ModeOffset = 28;

    /// <summary>
    /// Pre-initialises from the isolated preset (no PYTHON* environment variables), with the locale configured as
    /// python3 does it: LC_CTYPE from LC_ALL/LC_CTYPE/LANG, a C/POSIX LC_CTYPE coerced to C.UTF-8 unless LC_ALL is set
    /// (PEP 538), and UTF-8 mode on for a C/POSIX locale (PEP 540) unless <paramref name="utf8Mode"/> (PYTHONUTF8's
    /// equivalent) says otherwise. Sets up the runtime and its memory allocators, so a hook can wrap one before any
    /// block the runtime keeps is allocated. First of all.
    /// </summary>
    internal static void PreInitialize(PythonInstallation installation, bool? utf8Mode)
    {
        HomeOffsetOf(installation);
        var preconfig = (nint)NativeMemory.AllocZeroed(BufferSize);
        try
        {
            Interop.InitIsolatedPreConfig(preconfig);
            // The isolated preset leaves LC_CTYPE as the process has it ("C": .NET never calls setlocale), which
            // makes every plugin's text encoding ASCII. -1 is "decide as python3 would".
            *(int*)(preconfig + PreConfigureLocaleOffset) = 1;
            *(int*)(preconfig + PreCoerceCLocaleOffset) = -1;
            *(int*)(preconfig + PreCoerceCLocaleWarnOffset) = 0;
            *(int*)(preconfig + PreUtf8ModeOffset) = utf8Mode switch { null => -1, true => 1, false => 0 };
            Check(Interop.PreInitialize(preconfig), "Py_PreInitialize");
        }
        finally
        {
            NativeMemory.Free((void*)preconfig);
        }
    }

    internal static void Initialize(PythonInstallation installation)
    {
        var homeOffset = HomeOffsetOf(installation);
        var config = (nint)NativeMemory.AllocZeroed(BufferSize);
        try
        {
            Interop.InitIsolatedConfig(config);
            *(int*)(config + SiteImportOffset) = 0;
            if (installation.Home is { } home)
                Check(Interop.SetConfigString(config, config + homeOffset, home), "setting PyConfig.home");
            // sys.executable (and sys._base_executable, derived from it): this installation's python, not PATH's.
            var executable = InstallationExecutable.Of(installation).Path;
            Check(Interop.SetConfigString(config, config + ExecutableOffset[(installation.Version.Major, installation.Version.Minor)], executable), "setting PyConfig.executable");
            Check(Interop.InitializeFromConfig(config), "Py_InitializeFromConfig");
        }
        finally
        {
            Interop.ClearConfig(config);
            NativeMemory.Free((void*)config);
        }
    }

    private static int HomeOffsetOf(PythonInstallation installation) =>
        HomeOffset.TryGetValue((installation.Version.Major, installation.Version.Minor), out var offset) ? offset
            : throw new NotSupportedException($"CPython {installation.Version} at {installation.LibraryPath} is not supported: PluginHost runs on 3.12 and 3.13. Point PLUGINHOST_PYTHON or Python:Library at one of those.");

    private static void Check(PyStatus status, string what)
    {
        if (status.IsError)
            throw new InvalidOperationException($"CPython initialisation failed ({what}): {status.Describe()}");
    }
}
