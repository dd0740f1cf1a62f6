namespace PluginHost.Interpreter.Contract;

/// <summary>
/// An instance's inbox as a runtime sees it: the host owns it (it outlives runtimes), the runtime drains it after
/// <see cref="IInstanceRuntime.Schedule"/>. One batch at a time per runtime: <see cref="BeginBatch"/>, then
/// <see cref="Next"/> and exactly one <see cref="Report"/> per message taken, then <see cref="EndBatch"/>. For an
/// in-process runtime all of these run on its thread with its GIL held: they must be quick and must not block.
/// </summary>
public interface IMessageSource
{
    /// <summary>A batch starts; false when <paramref name="runtime"/> may take nothing (no longer the one attached).</summary>
    bool BeginBatch(IInstanceRuntime runtime);

    /// <summary>
    /// The next message for <paramref name="runtime"/>, or null when there is none for it now (empty, detached, or the
    /// plugin asked to exit). <paramref name="handlerIds"/> receives the ids of the handlers it is for — subscription
    /// ids the plugin's module gave <see cref="IPluginBinding.Subscribe"/>, or <see cref="HandlerIds.Direct"/> — and is
    /// replaced by a larger span when they do not fit; <paramref name="handlers"/> says how many.
    /// </summary>
    InboundMessage? Next(IInstanceRuntime runtime, ref Span<int> handlerIds, out int handlers);

    /// <summary>What became of <paramref name="message"/>'s handler run. After <see cref="HandlerResult.Exited"/> the runtime takes no more.</summary>
    void Report(IInstanceRuntime runtime, InboundMessage message, in HandlerOutcome outcome);

    /// <summary>
    /// How many messages the runtime may have in flight at once: above 1, an async handler that waits leaves its
    /// message in flight (<see cref="Suspended"/>) and the next is taken; its outcome is reported when its task ends.
    /// </summary>
    int MaxConcurrency => 1;

    /// <summary><paramref name="message"/>'s handler returned without an outcome: its task waits on the instance's loop.</summary>
    void Suspended(IInstanceRuntime runtime, InboundMessage message)
    {
    }

    /// <summary>The batch is over; <paramref name="failure"/> is set when the runtime could not run it (messages left untaken stay queued).</summary>
    void EndBatch(IInstanceRuntime runtime, Exception? failure);
}
