using System.Text.Json;

namespace PluginHost.Host.Tests.Fidelity;

/// <summary>
/// What a plugin sees matches python3 -I of the same installation (issue 13, "Fidelity" 1–6), on 3.12 and 3.13: the
/// real host in a child process, a plugin in a folder with a non-ASCII name, compared fact by fact with plain python.
/// </summary>
[Trait("Category", "Fidelity")]
public sealed class FidelityTests(FidelityFixture fixture) : IClassFixture<FidelityFixture>
{
    public static TheoryData<string> Versions => new() { "3.12.1", "3.13.0" };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task EncodingIsPython3sInTheHostsEnvironment(string version)
    {
        var (plugin, _, python) = await fixture.RunAsync(version);
        FidelityRun.AssertSame(python.GetProperty("locale"), plugin.GetProperty("locale"), "the locale");
        Assert.Equal("utf-8", plugin.GetProperty("locale").GetProperty("filesystemencoding").GetString());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task NonAsciiFileNamesAndTextAndThePluginsOwnNonAsciiFolderWork(string version)
    {
        var (plugin, _, python) = await fixture.RunAsync(version);
        var files = plugin.GetProperty("files");
        Assert.Equal("żółw — naïve\n", files.GetProperty("read_back").GetString());
        Assert.True(files.GetProperty("listed").GetBoolean());
        Assert.True(files.GetProperty("exists").GetBoolean());
        Assert.Equal(python.GetProperty("files").GetProperty("written_bytes").GetString(), files.GetProperty("written_bytes").GetString());
        // fidelity_facts was imported from <non-ASCII folder>/lib/.
        Assert.Equal(FidelityRun.Folder, files.GetProperty("folder_of_this_module").GetString());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task SysExecutableIsTheEmbeddedInstallationsPython(string version)
    {
        var (plugin, _, python) = await fixture.RunAsync(version);
        var executable = plugin.GetProperty("executable");
        FidelityRun.AssertSame(python.GetProperty("executable"), executable, "sys.executable and the prefixes");
        Assert.Equal(FidelityRun.Executable(version), executable.GetProperty("executable").GetString());
        Assert.Equal(FidelityRun.Prefix(version), executable.GetProperty("prefix").GetString());
        // subprocess.run([sys.executable, ...], text=True) runs the same CPython and decodes its UTF-8 output.
        Assert.Equal(executable.GetProperty("own_version").GetString(), executable.GetProperty("child_version").GetString());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task StdoutAndStderrHaveTheTextIOBaseSurfaceOfPython3s(string version)
    {
        var (plugin, output, python) = await fixture.RunAsync(version);
        foreach (var name in new[] { "stdout", "stderr" })
        {
            var ours = plugin.GetProperty("streams").GetProperty(name);
            var theirs = python.GetProperty("streams").GetProperty(name);
            Assert.Equal("[]", ours.GetProperty("missing").GetRawText());
            Assert.True(ours.GetProperty("textiobase").GetBoolean());
            foreach (var fact in new[] { "encoding", "errors", "name", "mode", "closed", "readable", "writable", "buffer_writable" })
                Assert.True(JsonElement.DeepEquals(theirs.GetProperty(fact), ours.GetProperty(fact)), $"sys.{name}.{fact}: python3 {theirs.GetProperty(fact)}, plugin {ours.GetProperty(fact)}");
            Assert.False(ours.GetProperty("seekable").GetBoolean());
            // As Python's own in-memory streams: no descriptor to give.
            Assert.Equal("UnsupportedOperation", ours.GetProperty("fileno").GetString());
        }
        // doctest.testmod() swaps sys.stdout and reads its .encoding (it failed on the bare stream).
        Assert.Equal(0, plugin.GetProperty("doctest").GetProperty("failed").GetInt32());
        Assert.Equal(2, plugin.GetProperty("doctest").GetProperty("attempted").GetInt32());
        Assert.Contains("print reaches the log: żółw é", output);
        Assert.Contains("split: ż", output);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task SiteBuiltinsExistWithoutSite(string version)
    {
        var (plugin, _, python) = await fixture.RunAsync(version);
        FidelityRun.AssertSame(python.GetProperty("builtins"), plugin.GetProperty("builtins"), "exit, quit, help, copyright, credits, license");
        Assert.Equal("Quitter", plugin.GetProperty("builtins").GetProperty("exit").GetString());
        Assert.Equal("[]", plugin.GetProperty("site_packages_on_path").GetRawText());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task DeniedImportIsAnImportErrorThatNamesTheCapability(string version)
    {
        var (plugin, output, _) = await fixture.RunAsync(version);
        var denial = plugin.GetProperty("import_denial");
        Assert.Equal("ImportDenied", denial.GetProperty("type").GetString());
        Assert.True(denial.GetProperty("fell_back").GetBoolean());
        Assert.True(denial.GetProperty("capability_denied").GetBoolean());
        Assert.Equal("native-code", denial.GetProperty("capability").GetString());
        Assert.Equal("_ctypes", denial.GetProperty("name").GetString());
        Assert.Contains("needs the capability 'native-code'", denial.GetProperty("message").GetString());
        Assert.Contains("was denied import (native-code)", output);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task TheOwningThreadIsThreadingsMainThread(string version)
    {
        var (plugin, _, python) = await fixture.RunAsync(version);
        FidelityRun.AssertSame(python.GetProperty("threads"), plugin.GetProperty("threads"), "threading's view of the threads");
        Assert.True(plugin.GetProperty("threads").GetProperty("is_main").GetBoolean());
    }

    [Fact]
    public async Task TheHostRunsCleanlyWithTheseChanges()
    {
        var (_, output, _) = await fixture.RunAsync("3.13.0");
        Assert.DoesNotContain("Fatal Python error", output);
        Assert.DoesNotContain("Exception ignored", output);
        Assert.DoesNotContain("Traceback", output);
    }
}
