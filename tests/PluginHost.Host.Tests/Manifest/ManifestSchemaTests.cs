using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using PluginHost.Host.Plugins;
using PluginHost.Sdk;

namespace PluginHost.Host.Tests.Manifest;

public sealed class ManifestSchemaTests
{
    [Fact]
    public void ManifestTheModelWritesPassesTheSchema()
    {
        var manifest = new PluginManifest
        {
            Schema = "plugin-manifest.schema.json",
            Name = "full.example-1",
            Version = "2.0.0",
            Entry = "pkg.plugin",
            Description = "Every field set.",
            Instances = 64,
            Settings = new Dictionary<string, JsonElement> { ["limit"] = JsonSerializer.SerializeToElement(5) },
            Subscriptions = ["orders.>"],
            Capabilities = ["filesystem.read", "host:text.slugify", "host:*"],
        };

        var errors = ManifestSchema.Validate(JsonSerializer.SerializeToElement(manifest));

        Assert.Empty(errors);
    }

    [Fact]
    public void MinimalModelPassesTheSchema()
    {
        var manifest = new PluginManifest { Name = "min", Version = "0.1.0", Entry = "main" };

        Assert.Empty(ManifestSchema.Validate(JsonSerializer.SerializeToElement(manifest)));
    }

    [Fact]
    public void SchemaAndModelNameTheSameProperties()
    {
        using var schema = JsonDocument.Parse(ManifestSchema.Text);
        var schemaProperties = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();
        var modelProperties = typeof(PluginManifest).GetProperties()
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()
            .Order();

        Assert.Equal(schemaProperties, modelProperties);
    }

    [Fact]
    public void SchemaRequiresWhatTheModelRequires()
    {
        using var schema = JsonDocument.Parse(ManifestSchema.Text);
        var schemaRequired = schema.RootElement.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order();
        var modelRequired = typeof(PluginManifest).GetProperties()
            .Where(p => p.GetCustomAttribute<System.Runtime.CompilerServices.RequiredMemberAttribute>() is not null)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name)
            .Order();

        Assert.Equal(schemaRequired, modelRequired);
    }

    [Fact]
    public void EmbeddedSchemaIsThePublishedDocument()
    {
        var published = Repository.Path("docs", "plugin-manifest.schema.json");

        Assert.Equal(File.ReadAllText(published), ManifestSchema.Text);
    }

    [Fact]
    public void ViolationsNameTheJsonPathOfTheBadValue()
    {
        using var manifest = JsonDocument.Parse("""{ "name": "x", "version": "1.0.0", "entry": "main", "subscriptions": ["ok", ""] }""");

        var error = Assert.Single(ManifestSchema.Validate(manifest.RootElement));

        Assert.StartsWith("/subscriptions/1: ", error);
    }
}
