using Microsoft.Extensions.Logging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// A .NET handler's endpoint: an inbox bounded by count and by payload bytes (<see cref="InboxQueue{T}"/>, as a
/// plugin's), drained by one reader task on the thread pool, so the handler sees one message at a time in arrival
/// order and a slow handler holds back its publishers, not the host. Disposing ends the subscription: the handler's
/// token is cancelled, and what is still queued is reported as dropped, not run.
/// </summary>
internal sealed class DotNetSubscriberEndpoint : IMessageEndpoint, IDisposable
{
    private readonly MessageBroker _broker;
    private readonly MessageHandler _handler;
    private readonly ILogger _logger;
    private readonly InboxQueue<Delivery> _inbox;
    private readonly SemaphoreSlim _arrived = new(0);   // released when something arrives (once per wake-up), and at disposal
    private readonly CancellationTokenSource _stopping = new();
    private int _signalled;
    private int _writers;   // deliveries under way: the reader's last sweep waits for them
    private IDisposable? _subscription;
    private int _disposed;

    public DotNetSubscriberEndpoint(MessageBroker broker, string owner, MessageHandler handler, int capacity, ILogger logger)
    {
        _broker = broker;
        _handler = handler;
        _logger = logger;
        Owner = owner;
        _inbox = new InboxQueue<Delivery>(capacity, broker.Options.InboxMaxBytes);
    }

    public string Owner { get; }

    public int Instance => 0;

    public int Depth => _inbox.Count;

    /// <summary>Completes when the reader has stopped after disposal.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public bool TryDeliver(Delivery delivery)
    {
        Interlocked.Increment(ref _writers);
        try
        {
            if (!_inbox.TryWrite(delivery, delivery.Message.Payload.Length))
                return false;
            Signal();
            return true;
        }
        finally
        {
            Interlocked.Decrement(ref _writers);
        }
    }

    public async ValueTask DeliverAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writers);
        try
        {
            await _inbox.WriteAsync(delivery, delivery.Message.Payload.Length, cancellationToken).ConfigureAwait(false);
            Signal();
        }
        finally
        {
            Interlocked.Decrement(ref _writers);
        }
    }

    public string? FullReason(Delivery delivery) =>
        _inbox.BytesFullReason(delivery.Message.Payload.Length, "PluginHost:Broker:InboxMaxBytes");

    /// <summary>Starts the reader; <paramref name="subscription"/> is removed from the broker on disposal.</summary>
    public void Start(IDisposable subscription)
    {
        _subscription = subscription;
        Completion = Task.Run(ReadAsync);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Routes first, so nothing new arrives; then stop the handler and let the reader report the rest.
        _subscription?.Dispose();
        _stopping.Cancel();
        _inbox.Close();
        Signal();
    }

    // Wakes the reader unless a wake-up is already pending; the reader clears the flag before it drains, so an item
    // written after that signals again.
    private void Signal()
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
            _arrived.Release();
    }

    private async Task ReadAsync()
    {
        var closed = false;
        while (!closed)
        {
            await _arrived.WaitAsync().ConfigureAwait(false);
            Volatile.Write(ref _signalled, 0);
            closed = Volatile.Read(ref _disposed) != 0;
            if (closed)
            {
                // A delivery that began before the inbox closed may still be writing: let it finish, so the sweep
                // below reports it (as dropped) rather than leaving it behind.
                var spin = new SpinWait();
                while (Volatile.Read(ref _writers) > 0)
                    spin.SpinOnce();
            }
            while (_inbox.TryRead(out var delivery))
            {
                try
                {
                    await HandleAsync(delivery).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Only reporting to the broker can land here; the reader must go on for the next message.
                    _logger.OutcomeFailed(Owner, delivery.Message.Id, e);
                }
            }
        }

        _stopping.Dispose();
    }

    private async ValueTask HandleAsync(Delivery delivery)
    {
        if (_stopping.IsCancellationRequested)
        {
            _broker.Dropped(delivery, "the .NET subscription was disposed before the message was handled");
            return;
        }

        Message? reply;
        try
        {
            reply = await _handler(delivery.Message, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            _broker.Dropped(delivery, "the .NET subscription was disposed while the message was handled");
            return;
        }
        catch (Exception e)
        {
            _broker.Failed(delivery, $"{e.GetType().Name}: {e.Message}");
            return;
        }

        _broker.Completed(delivery, reply);
    }
}
