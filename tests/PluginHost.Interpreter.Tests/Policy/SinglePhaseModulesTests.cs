using System.Diagnostics;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>
/// The policy refuses the standard library's single-phase modules before CPython calls their init function
/// (<see cref="SinglePhaseModules"/>). This checks that list against what the installed CPythons really refuse in an
/// isolated subinterpreter — each module tried in a python process of its own, so a crash stays there.
/// </summary>
public sealed class SinglePhaseModulesTests
{
    private const string Probe = """
        import sys
        try:
            import _interpreters as interpreters
        except ImportError:
            import _xxsubinterpreters as interpreters
        if hasattr(interpreters, "new_config"):
            error = interpreters.exec(interpreters.create(interpreters.new_config("isolated")), f"import {sys.argv[1]}")
            print(error.msg if error else "ok")
        else:
            try:
                interpreters.run_string(interpreters.create(), f"import {sys.argv[1]}")
                print("ok")
            except Exception as e:
                print(e)
        """;

    public static TheoryData<string> Installations => new(
        new[] { "3.12.1", "3.13.0" }.Select(v => $"/root/.pyenv/versions/{v}").Where(Directory.Exists));

    [Theory]
    [MemberData(nameof(Installations))]
    public async Task EveryModuleCPythonRefusesInAnIsolatedInterpreterIsKnown(string home)
    {
        var version = Path.GetFileName(home)[..Path.GetFileName(home).LastIndexOf('.')];
        var python = Path.Combine(home, "bin", "python" + version);
        var dynload = Path.Combine(home, "lib", "python" + version, "lib-dynload");
        var modules = Directory.EnumerateFiles(dynload, "*.so").Select(f => Path.GetFileName(f).Split('.')[0]).Distinct().ToArray();

        using var slots = new SemaphoreSlim(Environment.ProcessorCount * 2);
        var outcomes = await Task.WhenAll(modules.Select(async module =>
        {
            await slots.WaitAsync();
            try
            {
                return (module, await RunAsync(python, module));
            }
            finally
            {
                slots.Release();
            }
        }));
        var refused = outcomes.Where(o => o.Item2.Contains("does not support loading in subinterpreters", StringComparison.Ordinal)).Select(o => o.module).ToArray();

        Assert.Contains("readline", refused);
        Assert.Empty(refused.Except(SinglePhaseModules.All));
    }

    private static async Task<string> RunAsync(string python, string module)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-I");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Probe);
        start.ArgumentList.Add(module);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
