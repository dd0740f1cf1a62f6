using System.Text;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Tests.Shared;

/// <summary>A message's payload read as UTF-8 text (imported statically in both test projects).</summary>
public static class TextPayloads
{
    public static string TextOf(Message message) => Encoding.UTF8.GetString(message.Payload.Span);
}
