using System.Text;

namespace PluginHost.Interpreter.Locating;

/// <summary>The user-facing texts of <see cref="PythonNotFoundException"/>: what was wrong and how to fix it.</summary>
internal static class LocatorMessages
{
    private const string Install =
        "Install CPython 3.12 or newer with a shared library, e.g. `PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install 3.13`, "
        + "or Debian's libpython3.12 / python3.13 packages where available.";

    private const string PointAtIt =
        "Then point PluginHost at it: `export PLUGINHOST_PYTHON=/path/to/libpython3.13.so`, "
        + "or set \"Python\": { \"Library\": \"/path/to/libpython3.13.so\" } in appsettings.json.";

    public const string ConfigurationFix =
        "PluginHost does not look elsewhere while Python:Library is set. Point it at a CPython 3.12+ shared library "
        + "(e.g. /path/to/libpython3.13.so), a python executable or an installation prefix, or remove it "
        + "(appsettings.json, the PLUGINHOST_Python__Library environment variable or --Python:Library on the command line) to search PATH, pyenv and the system library folders. "
        + Install;

    public const string EnvironmentFix =
        "PluginHost does not look elsewhere while PLUGINHOST_PYTHON is set. Point it at a CPython 3.12+ shared library "
        + "(e.g. /path/to/libpython3.13.so), a python executable or an installation prefix, or unset it "
        + "to search PATH, pyenv and the system library folders. "
        + Install;

    public static string NothingUsable(IReadOnlyList<string> attempts)
    {
        var text = new StringBuilder()
            .AppendLine("No usable CPython found. PluginHost needs CPython 3.12 or newer (per-interpreter GIL, PEP 684) built as a shared library (libpython3.X.so).")
            .AppendLine("Tried:");
        foreach (var attempt in attempts) text.Append("  - ").AppendLine(attempt);
        return text.AppendLine(Install).Append(PointAtIt).ToString();
    }
}
