using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Host.Cli;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Messaging;
using PluginHost.Host.Plugins;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Policy;
using PluginHost.Sdk;

namespace PluginHost.Host.Policy;

/// <summary>
/// Imports a plugin the way the host would start it — its own isolated interpreter, its policy, the bootstrap — but
/// without calling <c>setup</c> and without a running host, then reports which modules are compatible with isolated
/// subinterpreters (extension modules shipped in the plugin folder are each tried, even those the entry module does
/// not import) and which capabilities the plugin used or was denied meanwhile.
/// </summary>
internal static class IsolationCheck
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Runs after bootstrap in the plugin's interpreter; returns JSON.
    private const string Checker = """
        def _pluginhost_check(entry, folder):
            import sys, os, json, importlib, importlib.machinery as machinery, pluginhost
            suffixes = tuple(machinery.EXTENSION_SUFFIXES)
            lib = os.path.join(folder, "lib")
            outcomes = {}

            def classify(e):
                text = f"{type(e).__name__}: {e}"
                if isinstance(e, ImportError) and "does not support loading in subinterpreters" in str(e):
                    return "incompatible", text
                if isinstance(e, (PermissionError, pluginhost.ImportDenied)):
                    return "denied", text
                # The start's own verdict (bootstrap.py): a module found nowhere is a missing dependency.
                if type(e) is ModuleNotFoundError and (why := _pluginhost_cannot_heal(e, folder)):
                    return "missing", why
                return "error", text

            import_error = None
            try:
                importlib.import_module(entry)
            except BaseException as e:
                import_error = f"{type(e).__name__}: {e}"
                name = getattr(e, "name", None)
                if isinstance(e, ImportError) and name:
                    outcomes[name] = (getattr(e, "path", None), *classify(e))

            # Every extension module shipped with the plugin, imported on its own.
            for root, dirs, files in os.walk(folder):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
                for file in sorted(files):
                    suffix = next((s for s in suffixes if file.endswith(s)), None)
                    if suffix is None:
                        continue
                    path = os.path.join(root, file)
                    base = lib if path.startswith(lib + os.sep) else folder
                    name = os.path.relpath(path, base)[:-len(suffix)].replace(os.sep, ".")
                    if name in sys.modules or name in outcomes:
                        continue
                    try:
                        importlib.import_module(name)
                    except BaseException as e:
                        outcomes[name] = (path, *classify(e))

            modules, stdlib = [], 0
            for name, module in sorted(sys.modules.items()):
                spec = getattr(module, "__spec__", None)
                origin = getattr(spec, "origin", None) or getattr(module, "__file__", None)
                if origin in ("built-in", "frozen"):
                    kind, origin = ("builtin" if origin == "built-in" else "frozen"), None
                elif isinstance(origin, str) and origin.endswith(suffixes):
                    kind = "extension"
                else:
                    kind = "python"
                location = "plugin" if isinstance(origin, str) and origin.startswith(folder + os.sep) else "stdlib"
                if location == "plugin" or kind == "extension":
                    modules.append(dict(name=name, kind=kind, location=location, origin=origin, status="ok", reason=None))
                elif kind == "python":
                    stdlib += 1
            for name, (origin, status, reason) in sorted(outcomes.items()):
                kind = "extension" if isinstance(origin, str) and origin.endswith(suffixes) else "python"
                location = "plugin" if isinstance(origin, str) and origin.startswith(folder + os.sep) else "nowhere" if status == "missing" else "stdlib"
                modules.append(dict(name=name, kind=kind, location=location, origin=origin, status=status, reason=reason))
            return json.dumps(dict(importError=import_error, modules=modules, stdlib=stdlib))
        """;

    /// <summary>Checks the plugin in <paramref name="folder"/> in <paramref name="runtime"/> (which stays running).</summary>
    /// <param name="configuredCapabilities">The configuration's override of the manifest's capabilities, if any.</param>
    /// <param name="functions">The host's functions and the loader of the plugin's own, so code that calls them at import works.</param>
    /// <param name="asWorker">
    /// Import it as its worker process would (<c>"isolation": "process"</c>): in this process's main interpreter, where
    /// single-phase-init modules load. Only once per process, and only in a process of its own (<c>check</c>'s): the
    /// plugin's modules stay loaded in the main interpreter.
    /// </param>
    public static async Task<IsolationReport> RunAsync(PythonRuntime runtime, string folder, IReadOnlyList<string>? configuredCapabilities = null,
        HostFunctionRegistry? functions = null, TimeSpan? timeout = null, bool asWorker = false)
    {
        var read = ManifestReader.Read(folder);
        if (!read.IsValid)
            return new IsolationReport { Folder = read.Folder, Errors = read.Errors };
        var manifest = read.Manifest!;
        var descriptor = Describe(read);
        var errors = new List<string>();
        var capabilities = PluginPolicies.Resolve(descriptor, configuredCapabilities, errors);
        var report = new IsolationReport
        {
            Folder = read.Folder,
            Name = manifest.Name,
            Version = manifest.Version,
            Entry = manifest.Entry,
            Granted = [.. capabilities.Names],
            Isolation = asWorker ? "process" : "subinterpreter",
        };
        if (errors.Count > 0)
            return report with { Errors = errors };

        var recorder = new Recorder();
        var policy = PluginPolicies.Create(descriptor, capabilities, configuredCapabilities is not null, recorder, reportAllowed: true);
        using var broker = new MessageBroker(new BrokerOptions(), NullLogger<MessageBroker>.Instance, new InProcessTransport());
        var binding = new PluginBinding(descriptor, 0, NullLogger.Instance, broker);
        functions ??= HostFunctionRegistry.Empty(NullLoggerFactory.Instance);
        PluginAssemblies? assemblies;
        try
        {
            assemblies = functions.LoadPlugin(manifest.Name, read.Folder);
        }
        catch (InvalidOperationException e)
        {
            return report with { Errors = [$"its .NET part cannot be loaded: {e.Message}"] };
        }
        using var _ = assemblies;
        binding.Functions = new HostFunctionScope(manifest.Name, 0, assemblies?.Functions ?? HostFunctionTable.Empty, functions.Host,
            capabilities.HostFunctions, policy.GrantHint!, policy: recorder);
        var interpreter = asWorker
            ? await runtime.CreateInterpreterAsync(new InterpreterOptions { Name = $"check:{manifest.Name}", MainInterpreter = true }, binding, policy with { AllowSinglePhaseModules = true })
            : await runtime.CreateInterpreterAsync(new InterpreterOptions { Name = $"check:{manifest.Name}" }, binding, policy);
        try
        {
            binding.Inbox = new PluginInbox(manifest.Name, 0, 16, broker, NullLogger.Instance);
            binding.Inbox.Attach(interpreter);
            var prepare = PluginBootstrap.Prepare(manifest.Name, read.Folder, 40);
            var limit = timeout ?? PluginHostOptions.DefaultCheckTimeout;
            var (finished, value) = await BoundedRun.RunAsync(interpreter, scope =>
            {
                scope.Exec(PluginBootstrap.Code);
                scope.Exec(prepare);
                scope.Exec(Checker);
                return scope.Evaluate($"_pluginhost_check({Literal(manifest.Entry)}, {Literal(read.Folder)})");
            }, limit);
            if (!finished)
                return report with { Errors = [$"{manifest.Entry} did not finish importing within {BoundedRun.Seconds(limit)} s (PluginHost:CheckTimeout); it was interrupted{(interpreter.IsAbandoned ? ", and is stuck in native code" : "")}"] };
            var result = (string)value!;
            var found = JsonSerializer.Deserialize<Found>(result, Json)!;
            // Problems first, then the plugin's own modules, then the standard library's extension modules.
            var modules = found.Modules
                .OrderBy(m => m.Status == "ok")
                .ThenBy(m => m.Location != "plugin")
                .ThenBy(m => m.Name, StringComparer.Ordinal)
                .ToList();
            return report with
            {
                Compatible = found.ImportError is null && modules.All(m => m.Status == "ok"),
                ImportError = found.ImportError,
                Modules = modules,
                StandardLibraryModules = found.Stdlib,
                Used = Summarize(recorder.Uses),
                Denied = Summarize(recorder.Denials),
            };
        }
        finally
        {
            if (!interpreter.IsAbandoned)
                await BoundedRun.EndAsync(interpreter);
        }
    }

    /// <summary>The plugin in a valid folder as the host would see it (its defaults, one instance).</summary>
    public static PluginDescriptor Describe(ManifestReadResult read) =>
        new(read.Manifest!.Name, read.Folder, read.Manifest, Defaults(read.Manifest), 1, true, null);

    private static IReadOnlyList<CapabilityUse> Summarize(IEnumerable<PolicyDecision> decisions) =>
        [.. decisions
            .GroupBy(d => (d.Capability, d.Facility))
            .OrderBy(g => g.Key.Capability, StringComparer.Ordinal).ThenBy(g => g.Key.Facility, StringComparer.Ordinal)
            .Select(g => new CapabilityUse(g.Key.Capability, g.Key.Facility, g.Count(), g.First().Detail))];

    private static IReadOnlyDictionary<string, object?> Defaults(PluginManifest manifest)
    {
        var errors = new List<string>();
        return PluginSettings.Merge(manifest.Settings, new Dictionary<string, string?>(), "settings", errors);
    }

    private static string Literal(string value) => PluginBootstrap.Literal(value);

    private sealed record Found(string? ImportError, IReadOnlyList<ModuleReport> Modules, int Stdlib);

    private sealed class Recorder : IPolicyListener
    {
        public ConcurrentQueue<PolicyDecision> Denials { get; } = new();

        public ConcurrentQueue<PolicyDecision> Uses { get; } = new();

        public void Denied(in PolicyDecision decision) => Denials.Enqueue(decision);

        public void Allowed(in PolicyDecision decision) => Uses.Enqueue(decision);
    }
}
