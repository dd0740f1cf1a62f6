using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;
using static PluginHost.Host.Tests.Messaging.Brokers;

namespace PluginHost.Host.Tests.Messaging;

public sealed class MetricsTests
{
    /// <summary>Sums of one broker's measurements by instrument name and plugin/instance (or sender) tags.</summary>
    internal sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();

        public Recorder(MessageBroker broker)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == broker.Meter) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
            _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
            _listener.Start();
        }

        public ConcurrentDictionary<string, long> Sums { get; } = new();

        /// <summary>A sum of counted measurements, or an observable instrument's value now (it is observed first).</summary>
        public long this[string key]
        {
            get
            {
                _listener.RecordObservableInstruments();
                return Sums.GetValueOrDefault(key);
            }
        }

        public void Observe()
        {
            foreach (var key in Sums.Keys.Where(k => k.StartsWith("pluginhost.inbox.depth", StringComparison.Ordinal))) Sums.TryRemove(key, out _);
            _listener.RecordObservableInstruments();
        }

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var key = instrument.Name;
            foreach (var tag in tags) key += $" {tag.Key}={tag.Value}";
            // An observable counter reports its total each time: the latest replaces, a counter's measurements add up.
            if (instrument.IsObservable)
                Sums[key] = value;
            else
                Sums.AddOrUpdate(key, value, (_, sum) => sum + value);
        }
    }

    [Fact]
    public async Task CountersAreTaggedWithPluginAndInstance()
    {
        using var broker = Create(new BrokerOptions { MaxRetries = 1 });
        using var recorder = new Recorder(broker);
        var worker = new TestEndpoint("worker", 1);
        broker.Subscribe("jobs", worker);

        broker.TryPublish(Text("jobs", "ok"));
        broker.TryPublish(Text("jobs", "bad"));
        broker.Completed(await worker.TakeAsync(), null);
        var bad = await worker.TakeAsync();
        broker.Failed(bad, "once");
        broker.Failed(await worker.TakeAsync(), "twice");
        broker.TryPublish(Text("nobody.listens") with { Sender = "planner" });

        const string tags = " plugin=worker instance=1";
        Assert.Equal(3, recorder["pluginhost.messages.received" + tags]);
        Assert.Equal(1, recorder["pluginhost.messages.handled" + tags]);
        Assert.Equal(2, recorder["pluginhost.messages.failed" + tags]);
        Assert.Equal(1, recorder["pluginhost.messages.retried" + tags]);
        Assert.Equal(1, recorder["pluginhost.messages.dead_lettered" + tags + " reason=failed"]);
        Assert.Equal(1, recorder["pluginhost.messages.unrouted sender=planner"]);
        Assert.Equal(1, recorder["pluginhost.messages.unrouted sender=pluginhost"]);
    }

    [Fact]
    public void DropsAreCountedForTheReceivingPlugin()
    {
        using var broker = Create(new BrokerOptions { InboxCapacity = 1, FullInboxMode = FullInboxMode.Fail });
        using var recorder = new Recorder(broker);
        broker.Subscribe("data", new TestEndpoint("sink", capacity: 1));

        broker.TryPublish(Text("data"));
        broker.TryPublish(Text("data"));

        Assert.Equal(1, recorder["pluginhost.messages.dropped plugin=sink instance=0"]);
    }

    [Fact]
    public void InboxDepthIsObservedPerEndpoint()
    {
        using var broker = Create();
        using var recorder = new Recorder(broker);
        var first = new TestEndpoint("worker", 0);
        var second = new TestEndpoint("worker", 1);
        broker.AddEndpoint(first);
        broker.AddEndpoint(second);
        for (var i = 0; i < 3; i++) broker.TryPublish(Text("jobs", to: "worker/1"));

        recorder.Observe();
        Assert.Equal(0, recorder["pluginhost.inbox.depth plugin=worker instance=0"]);
        Assert.Equal(3, recorder["pluginhost.inbox.depth plugin=worker instance=1"]);

        second.TakeAll();
        recorder.Observe();
        Assert.Equal(0, recorder["pluginhost.inbox.depth plugin=worker instance=1"]);
        Assert.Equal(3, broker.Snapshot().For("worker").Received);
    }

    [Fact]
    public void OversizeAndInvalidMessagesAreCountedAsRejected()
    {
        using var broker = Create(new BrokerOptions { MaxPayloadBytes = 1 });
        using var recorder = new Recorder(broker);

        broker.TryPublish(new Message { Topic = "a", Payload = new byte[2], Sender = "big" });
        broker.TryPublish(new Message { Topic = "a.*", Sender = "big" });

        Assert.Equal(2, recorder["pluginhost.messages.rejected sender=big"]);
    }
}
