using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PluginHost.Host.Messaging.Nats;

/// <summary>How TLS is used towards NATS (NATS.Client.Core's TlsMode, by name).</summary>
internal enum NatsTlsMode
{
    /// <summary>TLS when the URL says tls:// or the server requires it.</summary>
    Auto,

    /// <summary>TLS always; fail when the server does not offer it.</summary>
    Require,

    /// <summary>Never TLS.</summary>
    Disable,
}

/// <summary>TLS towards NATS (<c>PluginHost:Nats:Tls</c>); files are PEM.</summary>
internal sealed class NatsTlsOptions
{
    public NatsTlsMode Mode { get; set; } = NatsTlsMode.Auto;

    /// <summary>CA bundle that signs the server's certificate; the system's trust store when unset.</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate, for servers that verify clients (with <see cref="KeyFile"/>).</summary>
    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>Skips verifying the server's certificate: for tests only, never in production.</summary>
    public bool InsecureSkipVerify { get; set; }
}

/// <summary>The NATS transport's settings, bound from <c>PluginHost:Nats</c> (used when PluginHost:Broker:Transport is Nats).</summary>
internal sealed class NatsOptions : IValidatableObject
{
    public const string SectionName = "PluginHost:Nats";

    /// <summary>One server, e.g. <c>nats://10.0.0.5:4222</c>; or several comma-separated.</summary>
    public string? Url { get; set; }

    /// <summary>Several servers of one cluster (tried in turn); joined with <see cref="Url"/>.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>
    /// The first subject tokens of this deployment's traffic: topic <c>orders.created</c> is subject
    /// <c>&lt;prefix&gt;.orders.created</c>. Two deployments on one NATS with different prefixes never see each other.
    /// </summary>
    public string SubjectPrefix { get; set; } = "pluginhost";

    public string? User { get; set; }

    public string? Password { get; set; }

    public string? Token { get; set; }

    /// <summary>A NATS credentials file (JWT and NKey seed), as <c>nsc</c> writes it.</summary>
    public string? CredsFile { get; set; }

    /// <summary>A file holding an NKey seed (SU...).</summary>
    public string? NKeyFile { get; set; }

    public NatsTlsOptions Tls { get; set; } = new();

    /// <summary>How long the first connection may take before the host fails to start.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The connection's name in the server's monitoring; the machine name when unset.</summary>
    public string? Name { get; set; }

    /// <summary>All servers, in the order configured.</summary>
    public IReadOnlyList<string> AllUrls() =>
        [.. (Url ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), .. Urls.Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u.Trim())];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var url in AllUrls())
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls" or "ws" or "wss"))
                yield return new ValidationResult($"{SectionName}:Url '{url}' is not a nats://host:port (or tls://, ws://, wss://) URL.");
        }
        if (NatsSubjects.CheckPrefix(SubjectPrefix) is { } prefixError)
            yield return new ValidationResult($"{SectionName}:{nameof(SubjectPrefix)}: {prefixError}");
        if (Password is not null && User is null)
            yield return new ValidationResult($"{SectionName}:{nameof(Password)} is set without {nameof(User)}.");
        var ways = new[] { User is not null, Token is not null, CredsFile is not null, NKeyFile is not null }.Count(b => b);
        if (ways > 1)
            yield return new ValidationResult($"{SectionName}: give one of User/Password, Token, CredsFile or NKeyFile, not {ways}.");
        foreach (var (key, file) in new[] { ("CredsFile", CredsFile), ("NKeyFile", NKeyFile), ("Tls:CaFile", Tls.CaFile), ("Tls:CertFile", Tls.CertFile), ("Tls:KeyFile", Tls.KeyFile) })
        {
            if (file is not null && !File.Exists(file))
                yield return new ValidationResult($"{SectionName}:{key} '{file}' does not exist.");
        }
        if ((Tls.CertFile is null) != (Tls.KeyFile is null))
            yield return new ValidationResult($"{SectionName}:Tls: CertFile and KeyFile go together.");
        if (!Enum.IsDefined(Tls.Mode))
            yield return new ValidationResult($"{SectionName}:Tls:Mode must be Auto, Require or Disable; it is {Tls.Mode}.");
    }
}

/// <summary>Validates <see cref="NatsOptions"/> at start, with the configuration keys in the messages.</summary>
internal sealed partial class NatsOptionsValidator : IValidateOptions<NatsOptions>
{
    private static readonly GeneratedValidator Generated = new();

    public ValidateOptionsResult Validate(string? name, NatsOptions options)
    {
        var result = Generated.Validate(name, options);
        if (!result.Failed) return result;
        return ValidateOptionsResult.Fail(result.Failures!.Select(f =>
            f.Replace($"{nameof(NatsOptions)}.", $"{NatsOptions.SectionName}:", StringComparison.Ordinal)));
    }

    [OptionsValidator]
    private sealed partial class GeneratedValidator : IValidateOptions<NatsOptions>;
}
