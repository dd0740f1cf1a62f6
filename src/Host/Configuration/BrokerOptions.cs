using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PluginHost.Host.Messaging;

namespace PluginHost.Host.Configuration;

/// <summary>What a publisher does when a receiver's inbox is full.</summary>
internal enum FullInboxMode
{
    /// <summary>Wait for room up to <see cref="BrokerOptions.PublishTimeout"/>, then fail.</summary>
    Wait,

    /// <summary>Fail at once.</summary>
    Fail,
}

/// <summary>What carries messages between hosts (docs/scale-out.md).</summary>
internal enum BrokerTransport
{
    /// <summary>None: this process is the whole system (the default; needs no server).</summary>
    InProcess,

    /// <summary>A NATS server or cluster (PluginHost:Nats).</summary>
    Nats,
}

/// <summary>The message broker's settings, bound from the configuration section <c>PluginHost:Broker</c>.</summary>
internal sealed class BrokerOptions : IValidatableObject
{
    public const string SectionName = "PluginHost:Broker";

    /// <summary>InProcess (default) or Nats: several hosts as one system over PluginHost:Nats.</summary>
    public BrokerTransport Transport { get; set; } = BrokerTransport.InProcess;

    /// <summary>
    /// Messages each inbox (plugin instance or .NET subscriber) holds before publishers wait or fail. 8192 rather
    /// than fewer: a waiting publisher resumes at half, and the half must outlast its wake-up (docs/messaging.md).
    /// </summary>
    [Range(1, 1_000_000)]
    public int InboxCapacity { get; set; } = 8192;

    /// <summary>
    /// The most payload bytes waiting in one inbox (default 256 MiB, sixteen payloads of the largest default size):
    /// past it the inbox refuses like a full one, except that an empty inbox takes any one message. A plugin instance
    /// with <c>MemoryLimitMiB</c> gets at most what its interpreter leaves of that limit.
    /// </summary>
    [Range(1L, 1L << 40)]
    public long InboxMaxBytes { get; set; } = 256L << 20;

    public FullInboxMode FullInboxMode { get; set; } = FullInboxMode.Wait;

    /// <summary>How long a publisher waits for room in a full inbox (FullInboxMode Wait).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A plugin's request timeout when it gives none.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest payload accepted, in bytes (default 16 MiB, at most 1 GiB).</summary>
    [Range(1, 1 << 30)]
    public int MaxPayloadBytes { get; set; } = 16 << 20;

    /// <summary>
    /// Largest total of a message's headers, in bytes (UTF-8 names and values; default 64 KiB, at most 16 MiB): headers
    /// are metadata, copied with every delivery and into dead letters, and must not carry what payloads may not.
    /// </summary>
    [Range(1, 1 << 24)]
    public int MaxHeaderBytes { get; set; } = 64 << 10;

    /// <summary>How often a message whose handler raised is delivered again before it is dead-lettered.</summary>
    [Range(0, 100)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>Where messages go after their last retry failed.</summary>
    public string DeadLetterTopic { get; set; } = "pluginhost.deadletter";

    /// <summary>
    /// Optional file (JSON lines, appended) receiving every message given up without being handled: dropped for a
    /// receiver (refused, left in an inbox at stop) or a dead letter nobody subscribes to. Relative to the content root.
    /// </summary>
    public string? UndeliveredFile { get; set; }

    // Checks the generator cannot express.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Transport))
            yield return new ValidationResult($"{SectionName}:{nameof(Transport)} must be InProcess or Nats; it is {Transport}.");
        if (!Enum.IsDefined(FullInboxMode))
            yield return new ValidationResult($"{SectionName}:{nameof(FullInboxMode)} must be Wait or Fail; it is {FullInboxMode}.");
        if (TopicPattern.CheckTopic(DeadLetterTopic) is { } error)
            yield return new ValidationResult($"{SectionName}:{nameof(DeadLetterTopic)}: {error}");
    }
}

/// <summary>
/// Validates <see cref="BrokerOptions"/> at start with the source-generated validator, its failures worded with
/// configuration keys ("PluginHost:Broker:InboxCapacity", not "BrokerOptions.InboxCapacity").
/// </summary>
internal sealed partial class BrokerOptionsValidator : IValidateOptions<BrokerOptions>
{
    private static readonly GeneratedValidator Generated = new();

    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        var result = Generated.Validate(name, options);
        if (!result.Failed) return result;
        return ValidateOptionsResult.Fail(result.Failures!.Select(f =>
            f.Replace($"{nameof(BrokerOptions)}.", $"{BrokerOptions.SectionName}:", StringComparison.Ordinal)));
    }

    [OptionsValidator]
    private sealed partial class GeneratedValidator : IValidateOptions<BrokerOptions>;
}
