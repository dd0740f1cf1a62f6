using System.Diagnostics;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Plugins the host is about to start: a request addressed to one of them (<c>to=</c>) before its first instance
/// has registered its address waits for it, within the request's own timeout, instead of failing at once. Only the
/// supervisor's start declares them, and it withdraws them when the start is over, so a plugin that never came up
/// (or that is disabled, or unknown) fails as before.
/// </summary>
internal sealed partial class MessageBroker
{
    private readonly Dictionary<string, int> _expected = new(StringComparer.Ordinal);
    private TaskCompletionSource _addressesChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Declares <paramref name="owners"/> as starting until the result is disposed.</summary>
    public IDisposable ExpectOwners(IEnumerable<string> owners)
    {
        var names = owners.Distinct(StringComparer.Ordinal).ToList();
        lock (_gate)
        {
            foreach (var name in names)
                _expected[name] = _expected.GetValueOrDefault(name) + 1;
        }
        return new Registration(() =>
        {
            lock (_gate)
            {
                foreach (var name in names)
                {
                    if (--_expected[name] == 0)
                        _expected.Remove(name);
                }
                AddressesChanged();
            }
        });
    }

    /// <summary>Under _gate: wakes the requests waiting for an address.</summary>
    private void AddressesChanged() =>
        Interlocked.Exchange(ref _addressesChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Whether <paramref name="address"/> (<c>owner</c> or <c>owner/instance</c>) belongs to a plugin that is starting.</summary>
    private bool IsExpected(string address)
    {
        var slash = address.IndexOf('/');
        var owner = slash < 0 ? address : address[..slash];
        lock (_gate)
            return _expected.ContainsKey(owner);
    }

    /// <summary>
    /// Waits until <paramref name="request"/>'s address is registered (then sends it with the time left) or is no longer
    /// expected (then fails as any unaddressable request does), or until its timeout: a TimeoutException naming it.
    /// </summary>
    private async Task<Message> RequestWhenAddressedAsync(Message request, TimeSpan timeout, bool forward, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_gate)
                changed = _addressesChanged.Task;
            // Read after taking the signal: a registration in between is then seen here or wakes the wait below.
            if (_table.ByAddress(request.To!) is not null || !IsExpected(request.To!))
            {
                var left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                    break;
                return await RequestCoreAsync(request, left, forward, owner: null, cancellationToken).ConfigureAwait(false);
            }
            var remaining = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
                break;
            try
            {
                await changed.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                break;
            }
        }
        Unrouted(request);
        throw new TimeoutException(
            $"Request {request.Id} on '{request.Topic}' to '{request.To}' got no reply within {timeout}: the plugin is configured but was not running yet.");
    }
}
