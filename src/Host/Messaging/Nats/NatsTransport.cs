using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using PluginHost.Host.Configuration;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging.Nats;

/// <summary>
/// Several hosts as one system over NATS (docs/scale-out.md). The broker delivers to this host's receivers itself
/// and hands every message here too; this publishes it to <c>&lt;prefix&gt;.&lt;topic&gt;</c> with the plugins it
/// already served in <c>Ph-Served</c>. Each local (plugin, pattern) is a NATS subscription in a queue group named
/// after the plugin, so one instance of each plugin, on some host, gets each message; a host whose plugin was served
/// at the source skips the copy. The connection has echo off: nothing this host sends comes back to it.
/// </summary>
internal sealed partial class NatsTransport : IMessageTransport, IHostedService, IAsyncDisposable
{
    private const long FailureReportIntervalMs = 10_000;

    private readonly NatsOptions _options;
    private readonly BrokerOptions _broker;
    private readonly ILogger<NatsTransport> _logger;
    private readonly NatsSubjects _subjects;
    private readonly NatsConnection _connection;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _sentCounter;
    private readonly Counter<long> _failedCounter;
    private readonly Counter<long> _receivedCounter;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<LocalInterest> _interestChanges = Channel.CreateBounded<LocalInterest>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Dictionary<NatsSubscriptionKey, NatsInboundSub> _subscriptions = [];
    private readonly Lock _connectedGate = new();
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile NatsInterest _interest;
    private ITransportInbound? _inbound;
    private Task _reconciler = Task.CompletedTask;
    private long _sent, _failed, _received, _skipped, _answered, _reconnects;
    private long _failedSinceReport, _nextFailureReport;
    private long _disconnectedAt;

    public NatsTransport(IOptions<NatsOptions> options, IOptions<BrokerOptions> broker, ILoggerFactory loggerFactory, IMeterFactory? meterFactory = null)
    {
        _options = options.Value;
        _broker = broker.Value;
        _logger = loggerFactory.CreateLogger<NatsTransport>();
        _subjects = new NatsSubjects(_options.SubjectPrefix);
        _interest = NatsInterest.Empty(_subjects);
        _durable = [.. _options.Durable.Select(TopicPattern.Parse)];
        _stream = NatsDurable.StreamName(_options.SubjectPrefix);
        var urls = _options.AllUrls();
        Url = urls.Count == 0 ? "nats://127.0.0.1:4222" : string.Join(',', urls);
        _connection = new NatsConnection(ConnectionOptions());
        _connection.ConnectionDisconnected += OnDisconnectedAsync;
        _connection.ConnectionOpened += OnOpenedAsync;
        _connection.ReconnectFailed += OnReconnectFailedAsync;

        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _sentCounter = _meter.CreateCounter<long>("pluginhost.nats.sent", "{message}", "Messages and requests handed to NATS for other hosts.");
        _failedCounter = _meter.CreateCounter<long>("pluginhost.nats.failed", "{message}", "Messages and requests for other hosts that NATS did not take (not connected in time, over max_payload, refused).");
        _receivedCounter = _meter.CreateCounter<long>("pluginhost.nats.received", "{message}", "Messages and requests from other hosts.");
    }

    public const string MeterName = "PluginHost.Nats";

    /// <summary>Where this transport counts what it sent, failed to send and received.</summary>
    public Meter Meter => _meter;

    /// <summary>The configured servers, comma-separated.</summary>
    public string Url { get; }

    public string Name => $"{Url} (subjects '{_subjects.Prefix}.*')";

    /// <summary>Whether the connection is open now.</summary>
    public bool IsConnected => _connection.ConnectionState == NatsConnectionState.Open;

    public void Attach(ITransportInbound inbound) => _inbound = inbound;

    public bool TracksLocalInterest => true;

    public void LocalInterestChanged(LocalInterest interest) => _interestChanges.Writer.TryWrite(interest);

    // Remote interest is not tracked: every message goes to NATS, which drops it when nobody subscribes there.
    public bool HasRemoteReceivers(Message message) => true;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await _connection.ConnectAsync().AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Reported like a configuration mistake (one line naming the key, exit 1): the host cannot be part of its system.
            throw new OptionsValidationException(NatsOptions.SectionName, typeof(NatsOptions),
                [$"{NatsOptions.SectionName}:Url: NATS at {Url} was not reachable within {NatsOptions.SectionName}:ConnectTimeout ({_options.ConnectTimeout.TotalSeconds:0.#} s): {e.Message.TrimEnd('.')}. Start nats-server there, or fix the URL."]);
        }

        var info = _connection.ServerInfo;
        _logger.NatsConnected(Url, info?.Id ?? "?", info?.Version ?? "?", MaxPayload, _subjects.Prefix);
        if (MaxPayload < _broker.MaxPayloadBytes) _logger.NatsMaxPayloadBelowBroker(MaxPayload, _broker.MaxPayloadBytes);
        if (_durable.Length > 0) await EnsureStreamAsync(cancellationToken).ConfigureAwait(false);
        lock (_connectedGate) _connected.TrySetResult();
        _reconciler = Task.Run(ReconcileAsync, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _interestChanges.Writer.TryComplete();
        await _reconciler.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var sub in _subscriptions.Values)
        {
            await sub.DisposeAsync().ConfigureAwait(false);
            await sub.Backlog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _subscriptions.Clear();
        await StopConsumersAsync().ConfigureAwait(false);
        _logger.NatsTotals(Interlocked.Read(ref _sent), Interlocked.Read(ref _failed), Interlocked.Read(ref _received),
            Interlocked.Read(ref _skipped), Interlocked.Read(ref _answered), Interlocked.Read(ref _reconnects));
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _connection.DisposeAsync().ConfigureAwait(false);
        if (_ownsMeter) _meter.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The server's max_payload (what one NATS message may carry, headers included).</summary>
    private long MaxPayload => _connection.ServerInfo?.MaxPayload ?? 1 << 20;

    private NatsOpts ConnectionOptions() => NatsOpts.Default with
    {
        Url = Url,
        Name = _options.Name ?? $"pluginhost@{Environment.MachineName}",
        Echo = false,   // what this host publishes it has delivered locally already
        AuthOpts = NatsAuthOpts.Default with
        {
            Username = _options.User,
            Password = _options.Password,
            Token = _options.Token,
            CredsFile = _options.CredsFile,
            NKeyFile = _options.NKeyFile,
        },
        TlsOpts = new NatsTlsOpts
        {
            Mode = _options.Tls.Mode switch { NatsTlsMode.Require => TlsMode.Require, NatsTlsMode.Disable => TlsMode.Disable, _ => TlsMode.Auto },
            CaFile = _options.Tls.CaFile,
            CertFile = _options.Tls.CertFile,
            KeyFile = _options.Tls.KeyFile,
            InsecureSkipVerify = _options.Tls.InsecureSkipVerify,
        },
        ConnectTimeout = _options.ConnectTimeout,
        RequestTimeout = _broker.RequestTimeout,
        CommandTimeout = _broker.PublishTimeout,
        PublishTimeoutOnDisconnected = true,
        MaxReconnectRetry = -1,
        ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
        // Quick to come back: core NATS drops what is published to a host that is still reconnecting.
        ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
        // An inbound message waits for room (in the client, then on the socket) rather than being dropped unseen.
        SubPendingChannelFullMode = BoundedChannelFullMode.Wait,
        CaseSensitiveHeaders = true,
        // Header values as UTF-8, as other NATS clients read them: the client's default (ASCII) turned every other
        // character of a header or a sender into '?' on the way. Names stay printable ASCII (NatsWire.Encode).
        HeaderEncoding = System.Text.Encoding.UTF8,
        // The client's own log (every reconnect attempt with a stack trace, without our event ids) stays quiet:
        // the transport logs connects, disconnects, reconnects and what did not cross itself (events 1900-1919).
    };

    private ValueTask OnOpenedAsync(object? sender, NatsEventArgs args)
    {
        var since = Interlocked.Exchange(ref _disconnectedAt, 0);
        if (since != 0)
        {
            Interlocked.Increment(ref _reconnects);
            _logger.NatsReconnected(Url, Stopwatch.GetElapsedTime(since).TotalSeconds);
        }
        lock (_connectedGate) _connected.TrySetResult();
        return ValueTask.CompletedTask;
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        lock (_connectedGate)
        {
            if (_connected.Task.IsCompleted) _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        if (!_stopping.IsCancellationRequested)
        {
            Interlocked.CompareExchange(ref _disconnectedAt, Stopwatch.GetTimestamp(), 0);
            _logger.NatsDisconnected(args.Message);
        }
        return ValueTask.CompletedTask;
    }

    private ValueTask OnReconnectFailedAsync(object? sender, NatsEventArgs args)
    {
        _logger.NatsReconnectFailed(args.Message);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Returns when connected. Otherwise, per the full-inbox policy: Fail throws at once, Wait waits up to the
    /// publish timeout, then throws.
    /// </summary>
    private async ValueTask WaitConnectedAsync(CancellationToken cancellationToken)
    {
        // Lock-free on the hot path: a stale (completed) task here is caught by IsConnected.
        var connected = Volatile.Read(ref _connected).Task;
        if (connected.IsCompleted && IsConnected) return;
        lock (_connectedGate) connected = _connected.Task;
        if (_broker.FullInboxMode == FullInboxMode.Fail)
            throw new MessageDeliveryException($"NATS at {Url} is not connected (reconnecting); with PluginHost:Broker:FullInboxMode Fail the message is not held.");
        try
        {
            await connected.WaitAsync(_broker.PublishTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new MessageDeliveryException($"NATS at {Url} was not connected within PluginHost:Broker:PublishTimeout ({_broker.PublishTimeout.TotalSeconds:0.###} s).");
        }
    }

    private void CheckSize(Message message, NatsHeaders headers)
    {
        // The common case needs no sizing: without headers of its own a message's NATS headers are our few fields
        // (each value at most 3 bytes a character in UTF-8), far below max_payload.
        if (message.Headers.Count == 0 && message.Payload.Length + NatsWire.FixedHeadersAtMost(message, headers) <= MaxPayload) return;
        var size = message.Payload.Length + NatsWire.Size(headers);
        if (size > MaxPayload)
        {
            throw new MessageDeliveryException(
                $"Message {message.Id} on '{message.Topic}' takes {size} bytes with its NATS headers ({message.Payload.Length} of payload), over the NATS server's max_payload of {MaxPayload} bytes: it reached this host's receivers only. Raise max_payload in nats-server's configuration or send less.");
        }
    }

    private void Failed(Message message, Exception error)
    {
        Interlocked.Increment(ref _failed);
        _failedCounter.Add(1, new KeyValuePair<string, object?>("sender", message.Sender));
        Interlocked.Increment(ref _failedSinceReport);
        var now = Environment.TickCount64;
        var due = Volatile.Read(ref _nextFailureReport);
        if (now >= due && Interlocked.CompareExchange(ref _nextFailureReport, now + FailureReportIntervalMs, due) == due)
            _logger.NatsSendFailed(Interlocked.Exchange(ref _failedSinceReport, 0), message.Id, message.Topic, error.Message);
    }

    private void Sent(Message message)
    {
        Interlocked.Increment(ref _sent);
        _sentCounter.Add(1, new KeyValuePair<string, object?>("sender", message.Sender));
    }

    private static string Timeout(TimeSpan timeout) =>
        timeout == System.Threading.Timeout.InfiniteTimeSpan ? "infinite" : $"{timeout.TotalSeconds:0.###} s";

    private static long Milliseconds(TimeSpan timeout) =>
        timeout == System.Threading.Timeout.InfiniteTimeSpan ? -1 : (long)Math.Ceiling(timeout.TotalMilliseconds);

    private static TimeSpan TimeoutOf(string? header, TimeSpan fallback) =>
        long.TryParse(header, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
            ? ms < 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(1, ms))
            : fallback;
}
