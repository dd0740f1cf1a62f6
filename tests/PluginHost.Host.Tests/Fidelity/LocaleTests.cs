using System.Text.Json;

namespace PluginHost.Host.Tests.Fidelity;

/// <summary>
/// The locale configured as python3 configures it (PEP 538 coercion of a C LC_CTYPE, PEP 540 UTF-8 mode) from the
/// host's LC_ALL / LC_CTYPE / LANG, and <c>Python:Utf8Mode</c> as PYTHONUTF8's (-X utf8's) equivalent.
/// </summary>
[Trait("Category", "Fidelity")]
public sealed class LocaleTests
{
    public static TheoryData<string, string, string, string> Environments()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var version in new[] { "3.12.1", "3.13.0" })
        {
            data.Add(version, "", "", "");            // nothing set: the C locale, coerced, UTF-8 mode
            data.Add(version, "C", "", "");           // LANG=C: the same
            data.Add(version, "", "C", "");           // LC_ALL=C: not coerced (LC_ALL wins), UTF-8 mode
            data.Add(version, "C.UTF-8", "", "");     // a UTF-8 locale: neither
            data.Add(version, "C", "", "POSIX");      // LC_CTYPE over LANG
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public async Task LocaleFollowsTheEnvironmentAsPython3Does(string version, string lang, string lcAll, string lcCtype)
    {
        var environment = FidelityRun.Locale(lang, lcAll, lcCtype);
        var python = await FidelityRun.InPythonAsync(version, environment);
        var (plugin, _) = await FidelityRun.InPluginAsync(version, environment);
        FidelityRun.AssertSame(python.GetProperty("locale"), plugin.GetProperty("locale"), $"the locale (LANG={lang} LC_ALL={lcAll} LC_CTYPE={lcCtype})");
        FidelityRun.AssertSame(python.GetProperty("files"), Without(plugin.GetProperty("files"), python.GetProperty("files")), "reading and writing non-ASCII files");
    }

    [Theory]
    [InlineData("3.12.1")]
    [InlineData("3.13.0")]
    public async Task Utf8ModeFalseIsPython3WithUtf8ModeOff(string version)
    {
        // LC_ALL=C with UTF-8 mode off: ASCII, as python3 -X utf8=0 has it (PYTHONUTF8=0; -I ignores the variable), so
        // the plugin's folder is an ASCII one here.
        var environment = FidelityRun.Locale(lcAll: "C");
        var python = await FidelityRun.InPythonAsync(version, environment, "-X", "utf8=0");
        var (plugin, _) = await FidelityRun.InPluginAsync(version, environment, "fidelity", "--Python:Utf8Mode=false");
        FidelityRun.AssertSame(python.GetProperty("locale"), plugin.GetProperty("locale"), "the locale with UTF-8 mode off");
        Assert.Equal(0, plugin.GetProperty("locale").GetProperty("utf8_mode").GetInt32());
    }

    // The plugin's folder name differs from the fixture's: everything else must be equal.
    private static JsonElement Without(JsonElement plugin, JsonElement python)
    {
        var copy = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(plugin.GetRawText())!;
        copy["folder_of_this_module"] = python.GetProperty("folder_of_this_module");
        return JsonSerializer.SerializeToElement(copy);
    }
}
