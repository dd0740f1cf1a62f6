using System.Text.Json;
using PluginHost.Host.Configuration;
using PluginHost.Host.HostFunctions;
using PluginHost.Host.Isolation;
using PluginHost.Host.Plugins;
using PluginHost.Host.Policy;
using PluginHost.Host.Sandbox.Confinement;
using PluginHost.Interpreter;

namespace PluginHost.Host.Cli;

/// <summary>
/// <c>pluginhost check &lt;folder&gt; [--json]</c>: without starting the host, imports the plugin in an isolated
/// interpreter under its policy (or, for a plugin in process isolation, in this process's main interpreter, as its
/// worker would) and reports which modules can run there, which cannot and why, and which capabilities it used or was
/// denied. Exit code 0 when it can run, 1 when not (or the folder is invalid). The import runs in a process confined by
/// the kernel where it can (<see cref="CheckSandbox"/>).
/// </summary>
internal static class CheckCommand
{
    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <param name="sandbox">The kernel sandbox to run in; null: none (an ordinary process, as in tests).</param>
    public static int Run(string folder, TextWriter output, bool json, PythonRuntimeOptions python, PluginHostOptions host, HostFunctionRegistry? functions = null,
        CheckSandbox? sandbox = null)
    {
        var read = ManifestReader.Read(folder);
        IsolationReport report;
        if (!read.IsValid)
        {
            report = new IsolationReport { Folder = read.Folder, Errors = read.Errors };
        }
        else
        {
            var options = host.Plugins.GetValueOrDefault(read.Manifest!.Name);
            var configured = options?.Capabilities;
            var errors = new List<string>();
            var capabilities = PluginPolicies.Resolve(IsolationCheck.Describe(read), configured, errors);
            // A plugin in process isolation is imported as its worker will import it: in this (confined) process's main interpreter.
            var isolation = IsolationModes.Of(IsolationCheck.Describe(read), options, out var isolationError);
            if (isolationError is not null)
                errors.Add(isolationError);
            SandboxReport? confinement;
            try
            {
                // By default this confines the process and re-executes it: the rest runs in the confined process.
                confinement = errors.Count > 0 ? null : sandbox?.Enter(read.Folder, capabilities, python);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"pluginhost check: {e.Message}");
                return ExitCodes.Failure;
            }
            var runtime = PythonRuntime.Start(python);
            try
            {
                if (sandbox is { IsInside: true } && errors.Count == 0 && !TryCompleteInside(sandbox, read.Folder, capabilities, runtime, out confinement))
                    return ExitCodes.Failure;
                report = errors.Count > 0
                    ? new IsolationReport { Folder = read.Folder, Errors = errors }
                    : IsolationCheck.RunAsync(runtime, read.Folder, configured, functions, host.CheckTimeout, asWorker: isolation == IsolationMode.Process)
                        .GetAwaiter().GetResult() with { Sandbox = confinement };
            }
            finally
            {
                runtime.ShutdownAsync(BoundedRun.Grace).GetAwaiter().GetResult();
            }
        }
        Write(report, output, json);
        return ExitCode(report);
    }

    // In the confined process: the seccomp filter goes on once CPython is up, before the plugin is imported.
    private static bool TryCompleteInside(CheckSandbox sandbox, string folder, PluginCapabilities capabilities, PythonRuntime runtime,
        out SandboxReport? confinement)
    {
        try
        {
            confinement = sandbox.CompleteInside(folder, capabilities, runtime.Installation);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or Sandbox.Native.KernelException)
        {
            Console.Error.WriteLine($"pluginhost check: {e.Message}");
            confinement = null;
            return false;
        }
    }

    public static int ExitCode(IsolationReport report) =>
        report.Errors.Count == 0 && report.Compatible ? ExitCodes.Success : ExitCodes.Failure;

    public static void Write(IsolationReport report, TextWriter output, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(report, JsonOutput));
            return;
        }
        if (report.Errors.Count > 0)
        {
            output.WriteLine($"invalid: {report.Folder}");
            foreach (var error in report.Errors)
                output.WriteLine($"  - {error}");
            return;
        }
        output.WriteLine($"plugin {report.Name} {report.Version} (entry {report.Entry}) in {report.Folder}");
        var incompatible = report.Modules.Where(m => m.Status == "incompatible").Select(m => m.Name).ToList();
        var missing = report.Modules.Where(m => m.Status == "missing").Select(m => m.Name).ToList();
        var worker = report.Isolation == "process";
        output.WriteLine(report.Compatible
            ? worker ? "result: can run in its worker process (isolation: process)" : "result: can run in an isolated subinterpreter"
            : missing.Count > 0
                ? $"result: cannot start: missing dependency {string.Join(", ", missing)}; vendor it (pure Python) into {Path.Combine(report.Folder, "lib")}{Path.DirectorySeparatorChar}"
            : incompatible.Count > 0
                ? $"result: cannot run in an isolated subinterpreter: {string.Join(", ", incompatible)} cannot be loaded there; " +
                  "\"isolation\": \"process\" or \"auto\" in plugin.json runs it in a worker process (docs/isolation.md); " +
                  $"check it there with --PluginHost:Plugins:{report.Name}:Isolation=process"
            : worker
                ? "result: cannot run in its worker process (isolation: process): importing it failed"
                : "result: cannot run in an isolated subinterpreter: importing it failed");
        if (report.ImportError is { } importError)
            output.WriteLine($"import of {report.Entry} failed: {importError}");

        output.WriteLine("modules:");
        var rows = report.Modules.Select(m => new[] { m.Status, m.Name, m.Kind, m.Location, m.Origin ?? "" }).ToList();
        var widths = Enumerable.Range(0, 4).Select(c => rows.Select(r => r[c].Length).DefaultIfEmpty(0).Max()).ToArray();
        foreach (var (module, row) in report.Modules.Zip(rows))
        {
            output.WriteLine("  " + string.Join("  ", row.Select((cell, c) => c < widths.Length ? cell.PadRight(widths[c]) : cell)).TrimEnd());
            if (module.Reason is { } reason)
                output.WriteLine($"      {reason}");
        }
        output.WriteLine($"  (and {report.StandardLibraryModules} pure-Python standard library modules, all compatible)");

        output.WriteLine("capabilities:");
        output.WriteLine($"  granted: {(report.Granted.Count == 0 ? "none" : string.Join(", ", report.Granted))}");
        WriteUses("used", report.Used, output);
        WriteUses("denied", report.Denied, output);
        if (report.Sandbox is { } sandbox)
        {
            output.WriteLine($"sandbox: {sandbox.Describe()}");
            output.WriteLine("  a worker process (\"isolation\": \"process\") confines itself the same way where the kernel can, "
                + "with a network namespace of its own when network is not granted, and resource limits (docs/isolation.md)");
        }
    }

    private static void WriteUses(string label, IReadOnlyList<CapabilityUse> uses, TextWriter output)
    {
        if (uses.Count == 0)
        {
            output.WriteLine($"  {label}: none");
            return;
        }
        output.WriteLine($"  {label}:");
        foreach (var use in uses)
        {
            var capability = use.Capability.Length == 0 ? "(no capability allows it)" : use.Capability;
            var example = use.Example.Length == 0 ? "" : $", e.g. {use.Example}";
            output.WriteLine($"    {capability}: {use.Facility} ×{use.Count}{example}");
        }
    }
}
