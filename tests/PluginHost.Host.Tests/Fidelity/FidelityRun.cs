using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using PluginHost.Host.Tests.HostFunctions;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Manifest;

namespace PluginHost.Host.Tests.Fidelity;

/// <summary>
/// tests/Plugins/fidelity's facts (lib/fidelity_facts.py) measured twice: inside the plugin run by the real host, from
/// a folder with a non-ASCII name, and by the plain python executable of the same installation with -I.
/// </summary>
internal static partial class FidelityRun
{
    public const string Folder = "fidélité ü";

    public static string Prefix(string version) => $"/root/.pyenv/versions/{version}";

    public static string Executable(string version) => $"{Prefix(version)}/bin/python{string.Join('.', version.Split('.')[..2])}";

    /// <summary>Runs the host with the plugin until it has reported, then SIGTERM; the facts and the host's whole output.</summary>
    public static async Task<(JsonElement Facts, string Output)> InPluginAsync(string version, IReadOnlyDictionary<string, string>? environment = null, string folder = Folder, params string[] extraArgs)
    {
        using var folders = new PluginFolders();
        var plugin = Path.Combine(folders.Root, folder);
        CopyDirectory(DotNetPluginTests.FixturePlugin("fidelity"), plugin);
        var work = Directory.CreateDirectory(Path.Combine(folders.Root, "work")).FullName;
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["PLUGINHOST_PYTHON"] = Prefix(version) };
        string[] args =
        [
            $"--PluginHost:PluginDirectories:0={folders.Root}",
            $"--PluginHost:Plugins:fidelity:Settings:folder={work}",
            $"--PluginHost:Plugins:fidelity:Capabilities:0=filesystem.write:{work}",
            "--PluginHost:Plugins:fidelity:Capabilities:1=process.spawn",
            .. extraArgs,
        ];
        using var host = HostProcess.Start(args, env);
        await host.WaitForOutputAsync("FIDELITY {", TimeSpan.FromMinutes(1));
        await host.WaitForOutputAsync("instances running", TimeSpan.FromMinutes(1));
        var output = await host.StopAsync();
        return (Parse(output), output);
    }

    /// <summary>The same facts from <c>python3.X -I</c> of the installation, in the same environment.</summary>
    public static async Task<JsonElement> InPythonAsync(string version, IReadOnlyDictionary<string, string>? environment = null, params string[] options)
    {
        var work = Directory.CreateTempSubdirectory("pluginhost-fidelity-").FullName;
        try
        {
            var start = new ProcessStartInfo(Executable(version)) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = work };
            foreach (var option in options.Append("-I").Append(Path.Combine(DotNetPluginTests.FixturePlugin("fidelity"), "lib", "fidelity_facts.py")).Append(work))
                start.ArgumentList.Add(option);
            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
                start.Environment[key] = value;
            using var python = Process.Start(start)!;
            var stdout = python.StandardOutput.ReadToEndAsync();
            var stderr = python.StandardError.ReadToEndAsync();
            await python.WaitForExitAsync();
            Assert.True(python.ExitCode == 0, $"python exited {python.ExitCode}: {await stderr}");
            return Parse(await stdout);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>LANG, LC_ALL and LC_CTYPE all set ("" as unset), so the inherited environment plays no part.</summary>
    public static Dictionary<string, string> Locale(string lang = "", string lcAll = "", string lcCtype = "") =>
        new() { ["LANG"] = lang, ["LC_ALL"] = lcAll, ["LC_CTYPE"] = lcCtype };

    public static void AssertSame(JsonElement python, JsonElement plugin, string what) =>
        Assert.True(JsonElement.DeepEquals(python, plugin), $"{what} differs from python3's\n python3: {python}\n plugin:  {plugin}");

    private static JsonElement Parse(string output)
    {
        var match = Marker().Match(output);
        Assert.True(match.Success, $"no FIDELITY facts in:\n{output}");
        return JsonDocument.Parse(match.Groups[1].Value).RootElement.Clone();
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            if (file.Contains("__pycache__"))
                continue;
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"FIDELITY (\{.*\})")]
    private static partial Regex Marker();
}
