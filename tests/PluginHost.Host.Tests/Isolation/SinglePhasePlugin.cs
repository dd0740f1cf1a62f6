using PluginHost.Host.Tests.HostFunctions;
using PluginHost.Host.Tests.Lifecycle;
using PluginHost.Host.Tests.Sandbox;

namespace PluginHost.Host.Tests.Isolation;

/// <summary>
/// tests/Plugins/single-phase: <c>legacy</c>, a single-phase-init C extension module with C static state (a counter,
/// malloc'd memory) and native faults on demand, built with gcc against the CPython the host loads, and a plugin
/// (<see cref="Source"/>) that exposes each of its functions as a topic.
/// </summary>
internal static class SinglePhasePlugin
{
    private static readonly Lazy<string> Module = new(() =>
        CExtension.Build(Path.Combine(DotNetPluginTests.FixturePlugin("single-phase"), "legacy.c"), "legacy"));

    /// <summary>
    /// Addressed to it, topic = what to do: <c>increment</c>, <c>get</c> (reply: count and pid), <c>ask</c> (it
    /// requests <c>name</c> from the plugin <c>neighbour</c>), <c>open</c> (payload: a path), <c>hold</c> (payload:
    /// MiB), <c>segfault</c>, <c>sigkill</c>, <c>block</c> (60 s in C). Each <c>tick</c> it receives increments the
    /// counter and publishes <c>tock</c> with the count.
    /// </summary>
    public const string Source = """
        import os, legacy, pluginhost

        @pluginhost.on("tick")
        def tick(message):
            pluginhost.publish("tock", {"count": legacy.increment(), "pid": os.getpid()})

        def on_message(message):
            op = message.topic
            if op in ("increment", "get"):
                return {"count": getattr(legacy, op)(), "pid": os.getpid()}
            if op == "ask":
                return {"pid": os.getpid(), "reply": pluginhost.request("name", None, to="neighbour").payload}
            if op == "open":
                try:
                    open(message.payload).close()
                    return "opened"
                except PermissionError as e:
                    return f"denied: {e}"
            if op == "hold":
                return legacy.hold(message.payload)
            if op == "block":
                print("blocking in C")
                legacy.block(60)
            getattr(legacy, op)()   # segfault, sigkill
        """;

    /// <summary>A plugin folder <paramref name="name"/> running <see cref="Source"/> with the module beside it (granted <c>native-code</c>).</summary>
    public static string Add(SupervisorHarness harness, string name, string? isolation, string? extraManifest = null)
    {
        var manifest = """ "capabilities": ["native-code"] """ + (isolation is null ? "" : $$""", "isolation": "{{isolation}}" """)
            + (extraManifest is null ? "" : ", " + extraManifest);
        return AddTo(harness.Plugin(name, Source, manifest));
    }

    /// <summary>Copies the built module into <paramref name="folder"/>.</summary>
    public static string AddTo(string folder)
    {
        File.Copy(Module.Value, Path.Combine(folder, "legacy.so"), overwrite: true);
        return folder;
    }
}
