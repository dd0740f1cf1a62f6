using System.Diagnostics;
using PluginHost.Interpreter.Locating;

namespace PluginHost.Host.Tests.Sandbox;

/// <summary>Builds a test fixture's C extension module with gcc, against the headers of the CPython the host will load.</summary>
internal static class CExtension
{
    /// <summary>
    /// Compiles <paramref name="source"/> (a .c file) into <c>{module}.so</c> in the test output folder, one folder per
    /// fixture and Python version (so a run on 3.12 never loads a module built for 3.13); returns the module's path.
    /// </summary>
    public static string Build(string source, string module)
    {
        var python = PythonLocator.ForThisProcess().Locate(null);
        var prefix = python.Home ?? Path.GetDirectoryName(Path.GetDirectoryName(python.LibraryPath))!;
        var include = Path.Combine(prefix, "include", $"python{python.Version.Major}.{python.Version.Minor}");
        var fixture = Path.GetFileName(Path.GetDirectoryName(source));
        var output = Path.Combine(AppContext.BaseDirectory, $"{fixture}-{python.Version.Major}.{python.Version.Minor}", $"{module}.so");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var gcc = Process.Start(new ProcessStartInfo("gcc", ["-shared", "-fPIC", "-O1", "-I", include, "-o", output, source])
        {
            RedirectStandardError = true,
        })!;
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, $"gcc could not build the {fixture} fixture against {include}:\n{errors}");
        return output;
    }
}
