using PluginHost.Interpreter.Locating;
using static PluginHost.Interpreter.Tests.Locating.FakePythonLayout;

namespace PluginHost.Interpreter.Tests.Locating;

/// <summary>With nothing explicit: PATH, then pyenv, then system library folders; a clear error when none is usable.</summary>
public sealed class ProbingTests : IDisposable
{
    private readonly FakePythonLayout _layout = new();

    public void Dispose() => _layout.Dispose();

    [Fact]
    public void ProbingFindsPyenvVersionsNewestFirst()
    {
        _layout.Link("pyenv/versions/3.12.1", RealPython312);
        _layout.Link("pyenv/versions/3.13.0", RealPython313);
        _layout.Library("pyenv/versions/3.9.18/lib/libpython3.9.so");
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["PYENV_ROOT"] = _layout.At("pyenv") }));

        var found = locator.Locate(configuredLibrary: null);

        Assert.Equal(new Version(3, 13), found.Version);
        Assert.True(File.Exists(found.LibraryPath));
        Assert.Equal(_layout.At("pyenv/versions/3.13.0"), found.Home);
        Assert.Equal("pyenv version 3.13.0", found.FoundBy);
    }

    [Fact]
    public void PyenvVersionsAreComparedAsNumbersNotText()
    {
        foreach (var version in new[] { "3.12.9", "3.12.10" })
        {
            _layout.Library($"pyenv/versions/{version}/lib/libpython3.12.so");
            _layout.StandardLibrary($"pyenv/versions/{version}", "3.12");
        }
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["PYENV_ROOT"] = _layout.At("pyenv") }));

        var found = locator.Locate(configuredLibrary: null);

        Assert.Equal(_layout.At("pyenv/versions/3.12.10/lib/libpython3.12.so"), found.LibraryPath);
        Assert.Equal(_layout.At("pyenv/versions/3.12.10"), found.Home);
    }

    [Fact]
    public void PyenvRootDefaultsToDotPyenvInHome()
    {
        _layout.Link("home/.pyenv/versions/3.12.1", RealPython312);
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["HOME"] = _layout.At("home") }));

        var found = locator.Locate(configuredLibrary: null);

        Assert.Equal(new Version(3, 12), found.Version);
        Assert.Equal(_layout.At("home/.pyenv/versions/3.12.1"), found.Home);
    }

    [Fact]
    public void FailingShimOnPathIsPassedOverForTheNextName()
    {
        // What a pyenv shim does for a version that is not selected; the next name on the list must still be tried.
        _layout.Script("bin/python3.13", "echo 'pyenv: python3.13: command not found' >&2\nexit 127\n");
        _layout.Link("bin/python3.12", $"{RealPython312}/bin/python3.12");
        var locator = new PythonLocator(Environment(new Dictionary<string, string>
        {
            ["PATH"] = $"{_layout.Folder("empty")}:{_layout.At("bin")}",
            ["PYENV_ROOT"] = "/root/.pyenv",
        }));

        var found = locator.Locate(configuredLibrary: null);

        Assert.Equal(new Version(3, 12), found.Version);
        Assert.Equal("python3.12 on PATH", found.FoundBy);
        Assert.Equal(RealPython312, found.Home);
    }

    [Fact]
    public void SystemFolderLayoutGivesHomeAndPassesOverFreeThreadedBuilds()
    {
        // Debian-style: the library in a multiarch folder, the standard library one level up.
        var multiarch = _layout.Folder("usr/lib/x86_64-linux-gnu");
        _layout.Library("usr/lib/x86_64-linux-gnu/libpython3.13t.so.1.0");
        var real = _layout.Library("usr/lib/x86_64-linux-gnu/libpython3.12.so.1.0");
        _layout.Link("usr/lib/x86_64-linux-gnu/libpython3.12.so", real);
        _layout.StandardLibrary("usr", "3.12");
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["HOME"] = _layout.Folder("home") }, multiarch));

        var found = locator.Locate(configuredLibrary: null);

        Assert.Equal(real, found.LibraryPath);
        Assert.Equal(new Version(3, 12), found.Version);
        Assert.Equal(_layout.At("usr"), found.Home);
        Assert.Equal($"library folder {multiarch}", found.FoundBy);
    }

    [Fact]
    public void LibraryWithoutStandardLibraryNextToItHasNoHome()
    {
        var folder = _layout.Folder("opt/lib");
        _layout.Library("opt/lib/libpython3.13.so");
        var locator = new PythonLocator(Environment(new Dictionary<string, string>(), folder));

        Assert.Null(locator.Locate(configuredLibrary: null).Home);
    }

    [Fact]
    public void OnlyPython311FoundGivesTheClearError()
    {
        var lib = _layout.Folder("py311/lib");
        var library = _layout.Library("py311/lib/libpython3.11.so.1.0");
        _layout.Link("py311/lib/libpython3.11.so", library);
        var python = _layout.Python("bin/python3", "3.11", shared: true, libDir: lib, basePrefix: _layout.At("py311"));
        var locator = new PythonLocator(Environment(new Dictionary<string, string>
        {
            ["PATH"] = _layout.At("bin"),
            ["HOME"] = _layout.Folder("home"),
        }, lib));

        var error = Assert.Throws<PythonNotFoundException>(() => locator.Locate(configuredLibrary: null));

        Assert.Contains("3.12 or newer", error.Message);
        Assert.Contains($"python3 on PATH: {python}: 3.11 has no per-interpreter GIL (PEP 684)", error.Message);
        Assert.Contains($"library folder {lib}: {lib}/libpython3.11.so", error.Message);
        // The .so link and the file it points at are one library, reported once.
        Assert.Single(error.Attempts, a => a.Contains("libpython3.11", StringComparison.Ordinal));
        Assert.Contains("PLUGINHOST_PYTHON", error.Message);
        Assert.Contains("pyenv install 3.13", error.Message);
    }

    [Fact]
    public void NothingFoundListsEveryAttempt()
    {
        var emptyPath = _layout.Folder("bin");
        var home = _layout.Folder("home");
        var noLibraries = _layout.Folder("lib");
        var locator = new PythonLocator(Environment(new Dictionary<string, string> { ["PATH"] = emptyPath, ["HOME"] = home }, noLibraries));

        var error = Assert.Throws<PythonNotFoundException>(() => locator.Locate(configuredLibrary: null));

        Assert.Collection(error.Attempts,
            a => Assert.StartsWith("python3.13 on PATH: not found", a),
            a => Assert.StartsWith("python3.12 on PATH: not found", a),
            a => Assert.StartsWith("python3 on PATH: not found", a),
            a => Assert.Equal($"pyenv: {home}/.pyenv/versions does not exist", a),
            a => Assert.Contains(noLibraries, a));
        Assert.All(error.Attempts, a => Assert.Contains(a, error.Message));
        Assert.Contains("PLUGINHOST_PYTHON=/path/to/libpython3.13.so", error.Message);
        Assert.Contains("appsettings.json", error.Message);
    }

    [Fact]
    public void ExecutableThatHangsIsGivenUpAfterTheTimeout()
    {
        _layout.Script("bin/python3", "sleep 30\n");
        var environment = Environment(new Dictionary<string, string> { ["PATH"] = _layout.At("bin"), ["HOME"] = _layout.Folder("home") })
            with { ProbeTimeout = TimeSpan.FromSeconds(1) };

        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<PythonNotFoundException>(() => new PythonLocator(environment).Locate(configuredLibrary: null));

        Assert.Contains("python3 on PATH", error.Message);
        Assert.Contains("did not answer within 1 s", error.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }
}
