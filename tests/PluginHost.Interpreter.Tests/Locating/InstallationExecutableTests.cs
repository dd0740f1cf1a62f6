using PluginHost.Interpreter.Locating;

namespace PluginHost.Interpreter.Tests.Locating;

/// <summary>sys.executable of the embedded runtime: the installation's own python, never PATH's.</summary>
public sealed class InstallationExecutableTests : IDisposable
{
    private readonly FakePythonLayout _layout = new();

    public void Dispose() => Directory.Delete(_layout.Root, recursive: true);

    [Fact]
    public void TheVersionedPythonOfTheHomeIsTaken()
    {
        var versioned = _layout.Script("py/bin/python3.12", "");
        _layout.Script("py/bin/python3", "");

        var found = InstallationExecutable.Of(new PythonInstallation(_layout.Library("py/lib/libpython3.12.so"), _layout.At("py"), new Version(3, 12), "test"));

        Assert.Equal((versioned, true), found);
    }

    [Fact]
    public void WithoutAHomeThePrefixIsTheFolderAboveTheLibrarys()
    {
        var python3 = _layout.Script("prefix/bin/python3", "");

        var found = InstallationExecutable.Of(new PythonInstallation(_layout.Library("prefix/lib/libpython3.13.so.1.0"), null, new Version(3, 13), "test"));

        Assert.Equal((python3, true), found);
    }

    [Fact]
    public void NoPythonThereNamesTheMissingOneRatherThanAnother()
    {
        var found = InstallationExecutable.Of(new PythonInstallation(_layout.Library("bare/lib/libpython3.13.so"), _layout.Folder("bare"), new Version(3, 13), "test"));

        Assert.Equal((_layout.At("bare/bin/python3.13"), false), found);
    }

    [Fact]
    public void TheRealInstallationsAreFound()
    {
        var found = InstallationExecutable.Of(new PythonInstallation($"{FakePythonLayout.RealPython312}/lib/libpython3.12.so.1.0", FakePythonLayout.RealPython312, new Version(3, 12, 1), "test"));

        Assert.Equal(($"{FakePythonLayout.RealPython312}/bin/python3.12", true), found);
    }
}
