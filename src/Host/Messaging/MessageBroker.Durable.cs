using PluginHost.Host.Configuration;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Messaging;

// Durable topics: plugins get such messages from the transport's store, one handler run per delivery, the outcome
// going back to the store (acknowledge, redeliver, stop) instead of being retried here.
internal sealed partial class MessageBroker
{
    Task<DurableOutcome> ITransportInbound.HandleLocalAsync(Message message, string owner, int failures, CancellationToken cancellationToken)
    {
        if (!Prepare(ref message, PublishOrigin.Transport, out var groups, out var failure))
            return Task.FromResult(new DurableOutcome(failure.Status == PublishStatus.Invalid ? DurableOutcomeKind.Rejected : DurableOutcomeKind.NotDelivered, failure.Error));
        groups = OwnedBy(groups, owner);
        if (groups.Length == 0)
            return Task.FromResult(new DurableOutcome(DurableOutcomeKind.NotDelivered, $"no instance of '{owner}' receives '{message.Topic}' here"));

        var outcome = new TaskCompletionSource<DurableOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivery = new Delivery(message) { Durable = outcome, Failures = failures };
        if (TryDeliver(groups[0], delivery)) return outcome.Task;
        return DeliverDurableWhenRoomAsync(groups[0], delivery, outcome, cancellationToken);
    }

    /// <summary>All inboxes of the plugin were full: waits for room (the full-inbox policy); refused, the store redelivers it.</summary>
    private async Task<DurableOutcome> DeliverDurableWhenRoomAsync(ConsumerGroup group, Delivery delivery, TaskCompletionSource<DurableOutcome> outcome, CancellationToken cancellationToken)
    {
        if (Options.FullInboxMode == FullInboxMode.Fail)
        {
            Refuse(delivery, FullNow(delivery));
            return await outcome.Task.ConfigureAwait(false);
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(Options.PublishTimeout);
        try
        {
            await DeliverWaitingAsync(group, delivery, wait.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Dropped (counted) by DeliverWaitingAsync: the outcome says NotDelivered.
        }
        return await outcome.Task.ConfigureAwait(false);
    }

    /// <summary>The groups of .NET subscribers (<c>host#n</c>) among <paramref name="groups"/>: they are this process's own, never durable.</summary>
    private static ConsumerGroup[] DotNetSubscribersOf(ConsumerGroup[] groups)
    {
        var count = 0;
        foreach (var group in groups)
        {
            if (IsDotNetSubscriber(group.Owner)) count++;
        }
        if (count == groups.Length) return groups;
        var kept = new ConsumerGroup[count];
        var k = 0;
        foreach (var group in groups)
        {
            if (IsDotNetSubscriber(group.Owner)) kept[k++] = group;
        }
        return kept;
    }

    private static bool IsDotNetSubscriber(string owner) => owner.StartsWith("host#", StringComparison.Ordinal);
}
