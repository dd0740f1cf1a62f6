namespace PluginHost.Benchmarks.Benchmarks.Broker;

/// <summary>
/// The Python side of the broker benchmarks: plugins written to disk by <see cref="BrokerRig"/>. Timestamps are
/// <c>time.perf_counter_ns()</c> (CLOCK_MONOTONIC, one clock for every interpreter in the process), so the publisher's
/// start and the subscribers' end are comparable.
/// </summary>
internal static class BenchPlugins
{
    public const string DataTopic = "bench.data";
    public const string DoneTopic = "bench.done";
    public const string Publisher = "bench-pub";
    public const string Client = "bench-client";
    public const string Echo = "bench-echo";

    /// <summary>
    /// Asked (a request to its <c>on_message</c>) with <c>{count, size, subscribers, view}</c>: arms every subscriber
    /// with the count and how to read payloads, then publishes <c>count</c> bytes payloads of <c>size</c> bytes on <see cref="DataTopic"/> in a
    /// loop and replies with the time just before the first publish, and its thread's CPU time in the loop.
    /// </summary>
    public static BenchPlugin PublisherPlugin() => new(Publisher, """
        import time
        import pluginhost


        def on_message(message):
            command = message.payload
            count, size = command["count"], command["size"]
            for name in command["subscribers"]:
                pluginhost.request("bench.expect", [count, command["view"]], to=name, timeout=60)
            payload = b"x" * size
            publish = pluginhost.publish
            topic = "bench.data"
            clock = time.perf_counter_ns
            cpu = time.thread_time_ns()
            start = clock()
            for _ in range(count):
                publish(topic, payload)
            return {"start_ns": start, "published_ns": clock(), "cpu_ns": time.thread_time_ns() - cpu}
        """);

    /// <summary>
    /// Subscribes to <see cref="DataTopic"/>; its handler counts messages and payload bytes (reading
    /// <c>message.payload</c>, a <c>bytes</c> copy, or when armed with view = true <c>memoryview(message)</c>, the
    /// zero-copy receive) and, at the count it was armed with (a request to its <c>on_message</c>), publishes
    /// <c>{name, end_ns, received, bytes, cpu_ns}</c> (cpu_ns: its thread's CPU time from the first message to the last) on <see cref="DoneTopic"/>.
    /// </summary>
    public static BenchPlugin SubscriberPlugin(string name) => new(name, $$"""
        import time
        import pluginhost

        NAME = "{{name}}"
        expected = -1
        received = 0
        nbytes = 0
        view = False
        cpu = 0


        def on_message(message):
            global expected, received, nbytes, view
            (expected, view), received, nbytes = message.payload, 0, 0
            return True


        @pluginhost.on("bench.data")
        def on_data(message):
            global received, nbytes, cpu
            received += 1
            if received == 1:
                cpu = time.thread_time_ns()
            if view:
                with memoryview(message) as payload:
                    nbytes += len(payload)
            else:
                nbytes += len(message.payload)
            if received == expected:
                pluginhost.publish("bench.done", {"name": NAME, "end_ns": time.perf_counter_ns(), "received": received, "bytes": nbytes, "cpu_ns": time.thread_time_ns() - cpu})
        """);

    /// <summary>Replies to every request addressed to it with the request's payload.</summary>
    public static BenchPlugin EchoPlugin() => new(Echo, """
        def on_message(message):
            return message.payload
        """);

    /// <summary>
    /// Asked with <c>{count, warmup, size}</c>: makes <c>warmup</c> untimed, then <c>count</c> timed requests to
    /// <see cref="Echo"/> with a bytes payload of <c>size</c> bytes, checks the first reply, and replies with the
    /// round-trip times in nanoseconds.
    /// </summary>
    public static BenchPlugin ClientPlugin() => new(Client, """
        import time
        import pluginhost


        def on_message(message):
            command = message.payload
            count, warmup, size = command["count"], command["warmup"], command["size"]
            payload = b"x" * size
            request = pluginhost.request
            clock = time.perf_counter_ns
            reply = request("bench.echo", payload, to="bench-echo")
            if reply.payload != payload:
                raise AssertionError(f"echo replied {reply.payload!r}")
            for _ in range(warmup):
                request("bench.echo", payload, to="bench-echo")
            samples = [0] * count
            for i in range(count):
                t0 = clock()
                request("bench.echo", payload, to="bench-echo")
                samples[i] = clock() - t0
            return samples
        """);
}
