using PluginHost.Interpreter.Locating;
using static PluginHost.Interpreter.Tests.Locating.FakePythonLayout;

namespace PluginHost.Interpreter.Tests.Locating;

/// <summary>Python:Library and PLUGINHOST_PYTHON: taken when usable, an error (never a silent fallback) when not.</summary>
public sealed class ExplicitPythonTests : IDisposable
{
    private readonly FakePythonLayout _layout = new();

    public void Dispose() => _layout.Dispose();

    [Fact]
    public void ConfiguredLibraryPathWins()
    {
        // A broken PLUGINHOST_PYTHON and a usable pyenv are both ignored: configuration comes first.
        var locator = new PythonLocator(Environment(new Dictionary<string, string>
        {
            ["PLUGINHOST_PYTHON"] = _layout.At("missing/libpython3.12.so"),
            ["PYENV_ROOT"] = "/root/.pyenv",
        }));

        var found = locator.Locate($"{RealPython313}/lib/libpython3.13.so");

        Assert.Equal(new Version(3, 13), found.Version);
        Assert.StartsWith($"{RealPython313}/lib/libpython3.13.so", found.LibraryPath);
        Assert.True(File.Exists(found.LibraryPath));
        Assert.Equal(RealPython313, found.Home);
        Assert.Contains("Python:Library", found.FoundBy);
    }

    [Fact]
    public void EnvironmentVariableNamingAnExecutableIsAskedForItsLibrary()
    {
        var locator = new PythonLocator(Environment(new Dictionary<string, string>
        {
            ["PLUGINHOST_PYTHON"] = $"{RealPython312}/bin/python3.12",
        }));

        var found = locator.Locate(configuredLibrary: null);

        Assert.Equal(new Version(3, 12), found.Version);
        Assert.StartsWith($"{RealPython312}/lib/libpython3.12.so", found.LibraryPath);
        Assert.True(File.Exists(found.LibraryPath));
        Assert.Equal(RealPython312, found.Home);
        Assert.Equal("PLUGINHOST_PYTHON", found.FoundBy);
    }

    [Fact]
    public void EnvironmentVariableNamingAPrefixFindsTheLibraryInside()
    {
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["PLUGINHOST_PYTHON"] = RealPython312 }));

        var found = locator.Locate(configuredLibrary: null);

        Assert.Equal(new Version(3, 12), found.Version);
        Assert.StartsWith($"{RealPython312}/lib/libpython3.12.so", found.LibraryPath);
        Assert.Equal(RealPython312, found.Home);
    }

    [Fact]
    public void ExplicitButMissingLibraryFailsWithItsReason()
    {
        var missing = _layout.At("nowhere/lib/libpython3.13.so");
        // A usable pyenv is visible, yet must not be used in place of the configured value.
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["PYENV_ROOT"] = "/root/.pyenv" }));

        var error = Assert.Throws<PythonNotFoundException>(() => locator.Locate(missing));

        Assert.Contains(missing, error.Message);
        Assert.Contains("does not exist", error.Message);
        Assert.Contains("Python:Library", error.Message);
        var attempt = Assert.Single(error.Attempts);
        Assert.Contains(missing, attempt);
    }

    [Fact]
    public void ExplicitLibraryThatIsTooOldFailsInsteadOfFallingBack()
    {
        var old = _layout.Library("py311/lib/libpython3.11.so");
        var locator = new PythonLocator(Environment(new Dictionary<string, string>
        {
            ["PLUGINHOST_PYTHON"] = old,
            ["PYENV_ROOT"] = "/root/.pyenv",
        }));

        var error = Assert.Throws<PythonNotFoundException>(() => locator.Locate(configuredLibrary: null));

        Assert.Contains("3.11 has no per-interpreter GIL (PEP 684), 3.12 or newer needed", error.Message);
        Assert.Contains("PLUGINHOST_PYTHON", error.Message);
        Assert.Contains("unset it", error.Message);
        Assert.Contains(old, Assert.Single(error.Attempts));
    }

    [Fact]
    public void ExplicitExecutableBuiltWithoutSharedLibraryFailsWithThatReason()
    {
        var python = _layout.Python("static/bin/python3.13", "3.13", shared: false, libDir: _layout.At("static/lib"), basePrefix: _layout.At("static"));

        var locator = new PythonLocator(Environment(new Dictionary<string, string>()));
        var error = Assert.Throws<PythonNotFoundException>(() => locator.Locate(python));

        Assert.Contains("--enable-shared", error.Message);
        Assert.Contains(python, error.Message);
    }

    [Fact]
    public void ExplicitFileThatIsNotASharedLibraryIsRejected()
    {
        // Some distributions install text linker scripts under .so names; dlopen would choke on them.
        var script = _layout.Text("lib/libpython3.13.so", "INPUT ( libpython3.13.so.1.0 )\n");
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["PLUGINHOST_PYTHON"] = script }));

        var error = Assert.Throws<PythonNotFoundException>(() => locator.Locate(configuredLibrary: null));

        Assert.Contains("not an ELF shared library", error.Message);
    }

    [Fact]
    public void ExplicitBareCommandNameIsLookedUpOnPath()
    {
        _layout.Link("bin/python3.12", $"{RealPython312}/bin/python3.12");
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["PATH"] = _layout.At("bin") }));

        var found = locator.Locate("python3.12");

        Assert.Equal(new Version(3, 12), found.Version);
        Assert.Equal(RealPython312, found.Home);
    }
}
