using PluginHost.Interpreter.Native;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// Calls a plugin's message handlers on its interpreter's thread. Made once per batch of deliveries (it holds the
/// interpreter's <c>pluginhost</c> module for the batch), used for each message, then disposed.
/// </summary>
internal unsafe ref struct SdkDispatcher
{
    private NewRef _module;
    private readonly ModuleState* _state;

    private SdkDispatcher(NewRef module)
    {
        _module = module;
        _state = SdkModule.State(module.Pointer);
    }

    /// <summary>For the attached interpreter; the scope proves we are on its thread.</summary>
    public static SdkDispatcher For(InterpreterScope scope)
    {
        scope.Interpreter.EnsureOwnerThread();
        return new SdkDispatcher(Interop.Import(SdkModule.Name));
    }

    /// <summary>
    /// Calls each handler in <paramref name="handlerIds"/> that still exists with one <c>pluginhost.Message</c>. For a
    /// request, the last handler's return value (encoded like a payload) is the reply. A handler's exception propagates
    /// as <see cref="PythonException"/>; no handler at all is an <see cref="InvalidOperationException"/>.
    /// </summary>
    public readonly Message? Deliver(Message message, ReadOnlySpan<int> handlerIds, bool isRequest)
    {
        var received = MessageType.Create(_state, message);
        var result = new NewRef(0);
        try
        {
            foreach (var id in handlerIds)
            {
                var handler = Handler(id);
                if (handler.IsNull)
                    continue;
                var value = Interop.CallOne(handler, received.Borrow());
                result.Dispose();
                result = value;
            }
            if (result.IsNull)
                throw new InvalidOperationException($"no handler is subscribed for '{message.Topic}' in this instance any more");
            if (!isRequest)
                return null;
            var (payload, contentType) = PayloadCodec.Encode(_state, result.Borrow());
            return new Message { Topic = message.Topic, Payload = payload, ContentType = contentType, CorrelationId = message.Id };
        }
        finally
        {
            result.Dispose();
            MessageType.Recycle(_state, ref received);
        }
    }

    /// <summary>Borrowed; null when handler <paramref name="id"/> is gone (unsubscribed meanwhile).</summary>
    private readonly BorrowedRef Handler(int id)
    {
        var state = _state;
        if (state->LastHandler != 0 && id == state->LastHandlerId && state->LastHandlerVersion == state->HandlersVersion)
            return new BorrowedRef(state->LastHandler);
        using var key = Interop.NewLong(id);
        var handler = Interop.DictGet(new BorrowedRef(state->Handlers), key.Borrow());
        (state->LastHandlerId, state->LastHandlerVersion, state->LastHandler) = (id, state->HandlersVersion, handler.Pointer);
        return handler;
    }

    public void Dispose() => _module.Dispose();
}
