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

    /// <summary>
    /// Topic patterns whose published messages go through a JetStream stream (at least once): each plugin is a durable
    /// consumer named after it, a message is acknowledged once its handler completed, redelivered on failure (up to
    /// PluginHost:Broker:MaxRetries, then dead-lettered) and when a host dies holding it. Needs JetStream on the server.
    /// </summary>
    public List<string> Durable { get; set; } = [];

    /// <summary>How long a delivered durable message may stay unacknowledged before JetStream redelivers it (a host died holding it).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long JetStream waits before redelivering a durable message whose handler failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Within this window a durable message published again with the same id is stored once (JetStream's duplicate window).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the stream keeps a durable message no plugin acknowledged yet.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan DurableMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Durable messages one plugin handles at once on this host (what it pulls ahead of its handlers).</summary>
    [Range(1, 100_000)]
    public int DurableMaxInFlight { get; set; } = 64;

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
        for (var i = 0; i < Durable.Count; i++)
        {
            if (NatsDurable.CheckPattern(Durable[i]) is { } patternError)
                yield return new ValidationResult($"{SectionName}:{nameof(Durable)}:{i} '{Durable[i]}': {patternError}");
            for (var j = 0; j < i; j++)
            {
                if (NatsDurable.Overlap(Durable[i], Durable[j]))
                    yield return new ValidationResult($"{SectionName}:{nameof(Durable)}: '{Durable[j]}' and '{Durable[i]}' overlap; give each topic one durable pattern (e.g. only the wider one).");
            }
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
