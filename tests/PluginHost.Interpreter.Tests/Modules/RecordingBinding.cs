using System.Collections.Concurrent;
using PluginHost.Interpreter.Modules;

namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>A real binding that records what the module sends (the interpreter itself is real).</summary>
internal sealed class RecordingBinding(string name, int instance, IReadOnlyDictionary<string, object?>? settings = null) : IPluginBinding
{
    public string PluginName => name;

    public int Instance => instance;

    public IReadOnlyDictionary<string, object?> Settings { get; } = settings ?? new Dictionary<string, object?>();

    public ConcurrentQueue<(int Level, string Logger, string Message)> Records { get; } = new();

    public ConcurrentQueue<(bool Error, string Text)> Output { get; } = new();

    public void Log(int level, string logger, string message) => Records.Enqueue((level, logger, message));

    public void Write(bool error, string text) => Output.Enqueue((error, text));
}
