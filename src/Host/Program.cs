using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PluginHost.Host;
using PluginHost.Host.Cli;
using PluginHost.Host.Configuration;
using PluginHost.Host.Configuration.Strict;
using PluginHost.Host.Health;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Isolation;
using PluginHost.Host.Lifecycle;
using PluginHost.Host.Lifecycle.Live;
using PluginHost.Host.Plugins;
using PluginHost.Host.Sandbox;
using PluginHost.Host.Sandbox.Confinement;
using PluginHost.Host.Telemetry;
using PluginHost.Interpreter;
using PluginHost.Interpreter.Locating;

// The worker mode for plugins in process isolation: started by the host, not by people (docs/isolation.md).
if (args is [WorkerMain.Verb, .. var workerArgs])
    return await WorkerMain.RunAsync(workerArgs);
if (args is [WorkerSpawner.Verb])
    return await WorkerSpawnerMain.RunAsync();

var command = CommandLine.Parse(args);
if (command.Error is not null)
{
    Console.Error.WriteLine($"pluginhost: {command.Error}");
    CommandLine.WriteHelp(Console.Error);
    return ExitCodes.Usage;
}
if (command.Verb == CommandVerb.Help)
{
    CommandLine.WriteHelp(Console.Out);
    return ExitCodes.Success;
}

if (command.Verb == CommandVerb.New)
    return NewCommand.Run(command.Name!, command.Folder ?? command.Name!, command.DotNet, Console.Out, Path.Combine(AppContext.BaseDirectory, "PluginHost.Sdk.dll"));

// Every verb below builds the host: a configuration mistake is one line per problem and exit 1, never a stack trace.
var builder = ConfigurationGate.CreateBuilder(command.ConfigurationArgs, Console.Error);
if (builder is null)
    return ExitCodes.Failure;
builder.Services.AddSystemd();
builder.Services.AddConsoleLogDefaults(builder.Configuration);
builder.Services.AddTelemetry(builder.Configuration, running: command.Verb == CommandVerb.Run);
builder.Services.AddHostedService<HangupSignal>();
builder.Services.AddMessageBroker();
builder.Services.AddHostFunctions();
builder.Services.AddPluginHealthChecks(TimeSpan.FromSeconds(30));
builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<PythonOptions>>().Value.ToRuntimeOptions());
builder.Services.AddSingleton<PythonRuntimeService>();
builder.Services.AddSingleton<IRuntimeAccess>(sp => sp.GetRequiredService<PythonRuntimeService>());
builder.Services.AddHostedService(sp => sp.GetRequiredService<PythonRuntimeService>());
builder.Services.AddSingleton<ProcessBackstop>();
builder.Services.AddSingleton<PluginSupervisor>();
// Before the supervisor, so it stops after it and its last write shows the instances stopped.
builder.Services.AddHostedService<StatusFileWriter>();
// Before the supervisor, so that it watches while the plugins start (a change then is applied once they have).
builder.Services.AddSingleton<LiveReconfiguration>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveReconfiguration>());
builder.Services.AddHostedService(sp => sp.GetRequiredService<PluginSupervisor>());
using var host = builder.Build();

try
{
    host.Services.GetRequiredService<IStartupValidator>().Validate();
    if (!ConfigurationGate.CheckSettings(host.Services, Console.Error, out var settingWarnings))
        return ExitCodes.Failure;
    // run logs them; the other verbs keep stdout for their own output (a table, JSON).
    if (command.Verb != CommandVerb.Run)
    {
        foreach (var warning in settingWarnings)
            Console.Error.WriteLine($"pluginhost: warning: {warning}");
    }
    switch (command.Verb)
    {
        case CommandVerb.List:
            var statusFile = host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value.StatusFile;
            var running = statusFile is null ? null : StatusFile.TryRead(Path.GetFullPath(statusFile, host.Services.GetRequiredService<IHostEnvironment>().ContentRootPath));
            var listPython = host.Services.GetRequiredService<IOptions<PythonOptions>>().Value.ToRuntimeOptions();
            var listOptions = host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value;
            return ListCommand.Run(host.Services.GetRequiredService<PluginCatalog>(), Console.Out, command.Json, running,
                folders => SyntaxCheck.RunAll(listPython, folders, listOptions.CheckTimeout),
                plugin => CapabilityCheck.Error(plugin, listOptions.Plugins.GetValueOrDefault(plugin.Name)?.Capabilities));
        case CommandVerb.Top:
            return await TopCommand.RunAsync(host.Services, command.Count, Console.Out, Console.Error);
        case CommandVerb.Validate:
            var python = host.Services.GetRequiredService<IOptions<PythonOptions>>().Value.ToRuntimeOptions();
            var functions = host.Services.GetRequiredService<HostFunctionRegistry>();
            var validateOptions = host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value;
            return ValidateCommand.Run(command.Folder!, Console.Out, command.Json,
                (manifest, folder) => CapabilityCheck.Configured(manifest, folder, validateOptions)
                    ?? SyntaxCheck.Run(python, manifest, folder, validateOptions.CheckTimeout) ?? DotNetCheck.Run(functions, manifest, folder));
        case CommandVerb.Check:
            var runtimeOptions = host.Services.GetRequiredService<IOptions<PythonOptions>>().Value.ToRuntimeOptions();
            return CheckCommand.Run(command.Folder!, Console.Out, command.Json, runtimeOptions, host.Services.GetRequiredService<IOptions<PluginHostOptions>>().Value,
                host.Services.GetRequiredService<HostFunctionRegistry>(),
                new CheckSandbox(command.Confinement, host.Services.GetRequiredService<IOptions<SandboxOptions>>().Value));
        default:
            // Find CPython before the host starts, so a missing one is one clear message rather than a failed start.
            var runtime = host.Services.GetRequiredService<PythonRuntimeOptions>();
            runtime.Installation = PythonLocator.ForThisProcess().Locate(runtime.Library);
            var startLog = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PluginHost.Host.Configuration");
            startLog.ConfigurationLoaded(ConfigurationGate.Sources(builder.Configuration));
            foreach (var warning in settingWarnings)
                startLog.ConfigurationWarning(warning.ToString());
            await host.RunAsync();
            return ExitCodes.Success;
    }
}
catch (OptionsValidationException e)
{
    ConfigurationGate.Report(e, builder.Configuration, Console.Error);
    return ExitCodes.Failure;
}
catch (Exception e) when (e is PythonNotFoundException or NotSupportedException
                           || (e is InvalidOperationException && e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)))
{
    // A conversion StrictConfiguration did not foresee (the binder's InvalidOperationException) is still one line.
    Console.Error.WriteLine($"pluginhost: {e.Message}");
    return ExitCodes.Failure;
}
