using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PluginHost.Host.Sandbox.Seccomp;

namespace PluginHost.Host.Configuration;

/// <summary>The kernel backstop's settings, bound from the configuration section <c>PluginHost:Sandbox</c> (docs/kernel-backstop.md).</summary>
internal sealed class SandboxOptions : IValidatableObject
{
    public const string SectionName = "PluginHost:Sandbox";

    /// <summary>
    /// Whether the host installs its process-wide seccomp filter (run), <c>pluginhost check</c> confines its
    /// process, and each worker process (<c>"isolation": "process"</c>) confines itself (Landlock, capabilities,
    /// seccomp, a private network namespace, resource limits), where the kernel offers them. On by default.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When the kernel lacks what <see cref="Enabled"/> asks for: true fails (the host does not start, check exits 1); false logs that enforcement is audit-hook only.</summary>
    public bool Required { get; set; }

    /// <summary>Syscalls the filter leaves alone whatever the plugins hold (names as docs/kernel-backstop.md lists them), for a deployment whose own code needs one.</summary>
    public List<string> AllowSyscalls { get; set; } = [];

    /// <summary>A worker process's limit of open file descriptors (RLIMIT_NOFILE, soft and hard).</summary>
    [Range(64, 1 << 20)]
    public int WorkerOpenFiles { get; set; } = 1024;

    // Checks the generator cannot express.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AllowSyscalls.Count; i++)
        {
            var name = AllowSyscalls[i];
            if (!SyscallRules.Names.Contains(name))
                yield return new ValidationResult(
                    $"{SectionName}:{nameof(AllowSyscalls)}:{i}: '{name}' is not a syscall the filter denies; known: {string.Join(", ", SyscallRules.Names.Order(StringComparer.Ordinal))}.");
        }
    }
}

/// <summary>
/// Validates <see cref="SandboxOptions"/> at start with the source-generated validator, its failures worded with
/// configuration keys ("PluginHost:Sandbox:AllowSyscalls:0", not "SandboxOptions.AllowSyscalls").
/// </summary>
internal sealed partial class SandboxOptionsValidator : IValidateOptions<SandboxOptions>
{
    private static readonly GeneratedValidator Generated = new();

    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        var result = Generated.Validate(name, options);
        if (!result.Failed) return result;
        return ValidateOptionsResult.Fail(result.Failures!.Select(f =>
            f.Replace($"{nameof(SandboxOptions)}.", $"{SandboxOptions.SectionName}:", StringComparison.Ordinal)));
    }

    [OptionsValidator]
    private sealed partial class GeneratedValidator : IValidateOptions<SandboxOptions>;
}
