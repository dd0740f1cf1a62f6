using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

/// <summary>
/// A .NET handler's endpoint: a bounded inbox drained by one reader task on the thread pool, so the handler sees one
/// message at a time in arrival order and a slow handler holds back its publishers, not the host. Disposing ends the
/// subscription: the handler's token is cancelled, and what is still queued is reported as dropped, not run.
/// </summary>
internal sealed class DotNetSubscriberEndpoint : IMessageEndpoint, IDisposable
{
    private readonly MessageBroker _broker;
    private readonly MessageHandler _handler;
    private readonly ILogger _logger;
    private readonly Channel<Delivery> _inbox;
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _subscription;
    private int _disposed;

    public DotNetSubscriberEndpoint(MessageBroker broker, string owner, MessageHandler handler, int capacity, ILogger logger)
    {
        _broker = broker;
        _handler = handler;
        _logger = logger;
        Owner = owner;
        _inbox = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Owner { get; }

    public int Instance => 0;

    public int Depth => _inbox.Reader.Count;

    /// <summary>Completes when the reader has stopped after disposal.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public bool TryDeliver(Delivery delivery) => _inbox.Writer.TryWrite(delivery);

    public ValueTask DeliverAsync(Delivery delivery, CancellationToken cancellationToken) =>
        _inbox.Writer.WriteAsync(delivery, cancellationToken);

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
        _inbox.Writer.TryComplete();
    }

    private async Task ReadAsync()
    {
        var reader = _inbox.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var delivery))
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
