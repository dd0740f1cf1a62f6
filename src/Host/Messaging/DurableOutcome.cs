namespace PluginHost.Host.Messaging;

/// <summary>What became of a message a transport handed in from a store (<see cref="ITransportInbound.HandleLocalAsync"/>).</summary>
internal enum DurableOutcomeKind
{
    /// <summary>A handler completed: acknowledge it.</summary>
    Handled,

    /// <summary>A handler raised and retries are left: have the store redeliver it (after a delay).</summary>
    Retry,

    /// <summary>Retries used up (or undecodable, or abandoned): it went to the dead-letter topic; the store must stop redelivering it.</summary>
    DeadLettered,

    /// <summary>Refused as invalid (topic, headers) before any handler: the store must stop redelivering it.</summary>
    Rejected,

    /// <summary>No handler ran (no instance here, inbox full or closed): the store redelivers it, here or on another host.</summary>
    NotDelivered,
}

/// <summary>The outcome and, unless handled, why.</summary>
internal readonly record struct DurableOutcome(DurableOutcomeKind Kind, string? Reason = null)
{
    public static DurableOutcome Handled { get; } = new(DurableOutcomeKind.Handled);
}
