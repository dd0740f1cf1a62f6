using System.Collections.Concurrent;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// What a module instance's state handle points at: the host's binding, the interpreter that owns it, and the
/// replies that asyncio code in that interpreter is waiting for.
/// </summary>
internal sealed class InterpreterBinding(SubInterpreter interpreter, IPluginBinding plugin)
{
    private readonly ConcurrentDictionary<long, Task<Message>> _pending = new();
    private long _nextRequest;

    /// <summary>
    /// Whether this interpreter's re compile (SdkModule.Regex) may add to the process's RegexCache: 0 until the
    /// bootstrap makes it, 1 while the bootstrap imports the standard library, 2 once the plugin's own code may run —
    /// for good, in every <c>pluginhost</c> module object the interpreter may make: what a plugin's own, possibly
    /// altered, re makes never reaches another plugin. Read and written on the interpreter's thread.
    /// </summary>
    internal int RegexLearning;

    public SubInterpreter Interpreter => interpreter;

    public IPluginBinding Plugin => plugin;

    /// <summary>How long this interpreter's blocking <c>request</c> spins for its reply before sleeping.</summary>
    public SpinBudget ReplySpin { get; } = new(TimeSpan.FromMicroseconds(50));

    /// <summary>The topic this interpreter published to last, as a .NET string (used under its GIL).</summary>
    public TopicCache Topics { get; } = new();

    /// <summary>Its own large <c>bytes</c> it published, lent to receivers, whose decrefs come back here.</summary>
    public PayloadReleases Releases { get; } = new(interpreter);

    /// <summary>The messages its <c>pluginhost.Message</c> objects hold (used under its GIL).</summary>
    public MessageTable Messages { get; } = new();

    public long BeginRequest(Task<Message> reply)
    {
        var id = Interlocked.Increment(ref _nextRequest);
        _pending[id] = reply;
        return id;
    }

    public Task<Message> EndRequest(long id) =>
        _pending.TryRemove(id, out var reply) ? reply : throw new PythonError(PyErrorKind.KeyError, $"no pending request {id}");
}
