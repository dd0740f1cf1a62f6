using System.Collections.Concurrent;
using System.Text.Json;

namespace PluginHost.Host.Tests.Fidelity;

/// <summary>One host run and one python run per version, in the inherited environment, shared by the tests that read them.</summary>
public sealed class FidelityFixture
{
    private readonly ConcurrentDictionary<string, Lazy<Task<(JsonElement Plugin, string Output, JsonElement Python)>>> _runs = new();

    internal Task<(JsonElement Plugin, string Output, JsonElement Python)> RunAsync(string version) =>
        _runs.GetOrAdd(version, v => new Lazy<Task<(JsonElement, string, JsonElement)>>(async () =>
        {
            var (facts, output) = await FidelityRun.InPluginAsync(v);
            return (facts, output, await FidelityRun.InPythonAsync(v));
        })).Value;
}
