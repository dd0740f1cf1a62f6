using System.Text.Json;
using System.Text.Json.Serialization;

namespace PluginHost.Host.Tests.RedTeam;

/// <summary>
/// What one attack did, as a hostile plugin reports it (tests/RedTeam/common/redteam.py): its outcome (an exception
/// type, or "returned") and message, and what the plugin declared the right refusal to be.
/// </summary>
internal sealed record RedTeamAttack(
    [property: JsonPropertyName("attack")] string Name,
    string Outcome,
    string Message,
    string? Needs,
    [property: JsonPropertyName("refused_by")] string? RefusedBy,
    string? Returns)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    public static RedTeamAttack[] ParseAll(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<RedTeamAttack[]>(json, JsonOptions)!;

    public static RedTeamAttack Parse(string json) => JsonSerializer.Deserialize<RedTeamAttack>(json, JsonOptions)!;

    /// <summary>
    /// Asserts the right refusal: a PermissionError (ImportDenied for an import) naming the capability <see cref="Needs"/> (or saying no capability
    /// allows it), CPython's own <see cref="RefusedBy"/>, or — made harmless rather than refused — <see cref="Returns"/>.
    /// </summary>
    public void AssertRefused()
    {
        var what = $"{Name}: {Outcome}: {Message}";
        if (Returns is { } harmless)
        {
            Assert.True(Outcome == "returned" && Message == harmless, $"expected it to return {harmless} — {what}");
            return;
        }
        if (RefusedBy is { } refusal)
        {
            Assert.True(Outcome == refusal, $"expected CPython's {refusal} — {what}");
            return;
        }
        // A denied import is pluginhost.ImportDenied (an ImportError, so fallbacks work), any other denial a PermissionError.
        Assert.True(Outcome is "PermissionError" or "ImportDenied", $"expected a PermissionError (ImportDenied for an import) — {what}");
        var expected = Needs is "" or null
            ? "No capability allows this"
            : $"needs the capability '{Needs}";
        Assert.True(Message.Contains(expected, StringComparison.Ordinal), $"expected '{expected}' — {what}");
    }
}
