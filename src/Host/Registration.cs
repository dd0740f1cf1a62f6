namespace PluginHost.Host;

/// <summary>A registration that undoes itself when disposed: <paramref name="remove"/> runs once, whoever disposes it first.</summary>
internal sealed class Registration(Action remove) : IDisposable
{
    private Action? _remove = remove;

    public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
}
