namespace PluginHost.Interpreter.Locating;

/// <summary>A CPython shared library found on this machine, and where its standard library lives.</summary>
/// <param name="LibraryPath">Absolute path of libpython (e.g. /root/.pyenv/versions/3.13.0/lib/libpython3.13.so).</param>
/// <param name="Home">The prefix to use as PYTHONHOME (the folder holding lib/python3.X), or null to let CPython find it.</param>
/// <param name="Version">Major.minor of the library.</param>
/// <param name="FoundBy">How it was found, for logs: "configuration Python:Library", "PLUGINHOST_PYTHON", "python3.13 on PATH", ...</param>
public sealed record PythonInstallation(string LibraryPath, string? Home, Version Version, string FoundBy);
