namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>
/// A plugin that publishes 64-byte messages to <c>load.data</c> from its own thread without pause until its teardown,
/// then prints <c>producer sent=N errors=M</c> (errors: publishes refused, e.g. by an inbox that closed while it waited).
/// </summary>
internal static class FloodingProducer
{
    public const string Source = """
        import threading
        import pluginhost

        stop = threading.Event()
        sent = errors = 0

        def flood():
            global sent, errors
            payload = b"x" * 64
            while not stop.is_set():
                try:
                    pluginhost.publish("load.data", payload)
                    sent += 1
                except RuntimeError:
                    errors += 1   # refused: the consumer's inbox closed while this publish waited for room

        worker = threading.Thread(target=flood)

        def setup(ctx):
            worker.start()

        def teardown():
            stop.set()
            worker.join()
            print(f"producer sent={sent} errors={errors}")
        """;
}
