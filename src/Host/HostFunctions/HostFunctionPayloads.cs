using System.Text;
using System.Text.Json;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.HostFunctions;

/// <summary>
/// A host function's argument from a payload, and its result to a payload, with the broker's content types: a
/// <c>string</c> is text, <c>byte[]</c>/<c>ReadOnlyMemory&lt;byte&gt;</c> are bytes, anything else is JSON. The JSON
/// options (and the type metadata they cache) belong to one owner's table, so nothing in the host keeps a plugin's
/// types alive after its load context is unloaded.
/// </summary>
internal static class HostFunctionPayloads
{
    private static readonly byte[] JsonNull = "null"u8.ToArray();

    public static object? ToArgument(HostPayload payload, Type type, string function, JsonSerializerOptions json)
    {
        if (type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>))
        {
            if (payload.ContentType != ContentTypes.Bytes)
                throw new HostFunctionArgumentException($"host function '{function}' takes bytes, not {Describe(payload.ContentType)}");
            return type == typeof(byte[]) ? payload.Bytes.ToArray() : payload.Bytes;
        }
        return payload.ContentType switch
        {
            ContentTypes.Text when type == typeof(string) => Encoding.UTF8.GetString(payload.Bytes.Span),
            ContentTypes.Text => JsonSerializer.SerializeToElement(Encoding.UTF8.GetString(payload.Bytes.Span)).Deserialize(type, json),
            ContentTypes.Json => Deserialize(payload.Bytes.Span, type, function, json),
            _ => throw new HostFunctionArgumentException($"host function '{function}' takes {Describe(type)}, not bytes"),
        };
    }

    public static HostPayload FromResult(object? result, JsonSerializerOptions json) => result switch
    {
        null => new HostPayload(JsonNull, ContentTypes.Json),
        string text => new HostPayload(Encoding.UTF8.GetBytes(text), ContentTypes.Text),
        byte[] bytes => new HostPayload(bytes, ContentTypes.Bytes),
        ReadOnlyMemory<byte> memory => new HostPayload(memory, ContentTypes.Bytes),
        _ => new HostPayload(JsonSerializer.SerializeToUtf8Bytes(result, result.GetType(), json), ContentTypes.Json),
    };

    private static object? Deserialize(ReadOnlySpan<byte> utf8, Type type, string function, JsonSerializerOptions json)
    {
        try
        {
            return JsonSerializer.Deserialize(utf8, type, json);
        }
        catch (JsonException e)
        {
            throw new HostFunctionArgumentException($"host function '{function}' takes {Describe(type)}: {e.Message}");
        }
    }

    private static string Describe(string contentType) => contentType switch
    {
        ContentTypes.Text => "str",
        ContentTypes.Json => "a JSON value",
        _ => "bytes",
    };

    private static string Describe(Type type) => type == typeof(string) ? "str" : $"a JSON value ({type.Name})";
}

/// <summary>A payload the function cannot take (TypeError in Python); not an error of the function itself.</summary>
internal sealed class HostFunctionArgumentException(string message) : InvalidCastException(message);
