using System.Runtime.InteropServices;
using PluginHost.Interpreter.Locating;

namespace PluginHost.Interpreter.Native;

/// <summary>
/// Initialises the main interpreter from an isolated <c>PyConfig</c>: no environment variables (PYTHONPATH etc.),
/// no user site, no Python signal handlers (SIGINT stays with .NET), no <c>site</c> import (the installation's
/// site-packages are not on any interpreter's path: a plugin sees the stdlib, its folder and its own lib/ only), and
/// <c>home</c> set explicitly so a relocated Python finds its stdlib. PyConfig's layout differs per version, so only
/// measured layouts are used.
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

    /// <summary>
    /// Pre-initialises from the isolated preset (no environment variables, no locale coercion): sets up the runtime and
    /// its memory allocators, so a hook can wrap one before any block the runtime keeps is allocated. First of all.
    /// </summary>
    internal static void PreInitialize(PythonInstallation installation)
    {
        HomeOffsetOf(installation);
        var preconfig = (nint)NativeMemory.AllocZeroed(BufferSize);
        try
        {
            Interop.PyPreConfig_InitIsolatedConfig(preconfig);
            Check(Interop.Py_PreInitialize(preconfig), "Py_PreInitialize");
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
            Interop.PyConfig_InitIsolatedConfig(config);
            *(int*)(config + SiteImportOffset) = 0;
            if (installation.Home is { } home)
                Check(Interop.PyConfig_SetBytesString(config, config + homeOffset, home), "setting PyConfig.home");
            Check(Interop.Py_InitializeFromConfig(config), "Py_InitializeFromConfig");
        }
        finally
        {
            Interop.PyConfig_Clear(config);
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
