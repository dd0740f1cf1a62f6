using Microsoft.Extensions.Options;

namespace PluginHost.Host.Configuration;

/// <summary>
/// Validates <see cref="PluginHostOptions"/> at start with the source-generated validator (DataAnnotations attributes
/// and IValidatableObject, no reflection) and words its failures with configuration keys: the generator names a member
/// "PluginHostOptions.StopTimeout" and ignores a Range attribute's ErrorMessage, so "PluginHost:StopTimeout" is put back.
/// </summary>
internal sealed partial class PluginHostOptionsValidator : IValidateOptions<PluginHostOptions>
{
    private static readonly GeneratedValidator Generated = new();

    public ValidateOptionsResult Validate(string? name, PluginHostOptions options)
    {
        var result = Generated.Validate(name, options);
        if (!result.Failed) return result;
        return ValidateOptionsResult.Fail(result.Failures!.Select(f =>
            f.Replace($"{nameof(PluginHostOptions)}.", $"{PluginHostOptions.SectionName}:", StringComparison.Ordinal)));
    }

    [OptionsValidator]
    private sealed partial class GeneratedValidator : IValidateOptions<PluginHostOptions>;
}
