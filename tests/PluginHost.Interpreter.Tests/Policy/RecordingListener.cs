using System.Collections.Concurrent;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>Keeps every decision the audit hook reports, for assertions.</summary>
internal sealed class RecordingListener : IPolicyListener
{
    public ConcurrentQueue<PolicyDecision> Denials { get; } = new();

    public ConcurrentQueue<PolicyDecision> Uses { get; } = new();

    public void Denied(in PolicyDecision decision) => Denials.Enqueue(decision);

    public void Allowed(in PolicyDecision decision) => Uses.Enqueue(decision);
}
