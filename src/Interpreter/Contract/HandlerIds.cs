namespace PluginHost.Interpreter.Contract;

/// <summary>Handler ids with a fixed meaning in every runtime.</summary>
public static class HandlerIds
{
    /// <summary>The plugin's handler for messages addressed to it (<c>to=</c>), rather than to a topic.</summary>
    public const int Direct = 0;
}
