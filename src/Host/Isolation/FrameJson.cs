using System.Text.Json.Serialization;

namespace PluginHost.Host.Isolation;

/// <summary>The frame header's JSON, generated at build time: no reflection, fewer allocations per frame.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Frame))]
internal sealed partial class FrameJson : JsonSerializerContext;
