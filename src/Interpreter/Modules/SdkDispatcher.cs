using System.Runtime.CompilerServices;
using PluginHost.Interpreter.Contract;
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
    private NewRef _suspended;   // pluginhost._SUSPENDED, when messages may be left in flight

    private SdkDispatcher(NewRef module, bool concurrent)
    {
        _module = module;
        _state = SdkModule.State(module.Pointer);
        if (concurrent)
            _suspended = Interop.GetAttr(module.Borrow(), "_SUSPENDED");
    }

    /// <summary>
    /// For the attached interpreter; the scope proves we are on its thread. <paramref name="concurrent"/>: an async
    /// handler may leave its message in flight (<see cref="HandlerResult.InFlight"/>).
    /// </summary>
    public static SdkDispatcher For(InterpreterScope scope, bool concurrent = false)
    {
        scope.Interpreter.EnsureOwnerThread();
        return new SdkDispatcher(Interop.Import(SdkModule.Name), concurrent);
    }

    /// <summary>
    /// Calls each handler in <paramref name="handlerIds"/> that still exists with one <c>pluginhost.Message</c>. For a
    /// request, the last handler's return value (encoded like a payload) is the reply. A payload that does not decode
    /// is an outcome (<see cref="HandlerResult.Undecodable"/>), not a handler failure: no handler runs (or, for a
    /// pooled payload decoded on first read, the handler that read it raised). Otherwise a handler's exception
    /// propagates as <see cref="PythonException"/>; no handler at all is an <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <remarks>
    /// The calls into CPython are kept out of try blocks: on 64-bit the JIT inlines a P/Invoke only outside them, and
    /// one that is not inlined sets up its own transition frame (a thread-local lookup), several per message.
    /// </remarks>
    public readonly HandlerOutcome Deliver(Message message, ReadOnlySpan<int> handlerIds, bool isRequest)
    {
        var received = MessageType.Create(_state, message, out var undecodable);
        if (received.IsNull)
            return HandlerOutcome.Undecodable(undecodable!);
        nint result;
        try
        {
            result = CallHandlers(received.Pointer, handlerIds);
        }
        catch (PythonException e) when (e.PythonType != "SystemExit" && MessageType.DecodeFailure(received.Borrow()) is { } why)
        {
            MessageType.Recycle(_state, ref received);
            return HandlerOutcome.Undecodable(why);
        }
        catch
        {
            MessageType.Recycle(_state, ref received);
            throw;
        }
        MessageType.Recycle(_state, ref received);

        if (result == 0)
            throw new InvalidOperationException($"no handler is subscribed for '{message.Topic}' in this instance any more");
        if (result == _suspended.Pointer && result != 0)
        {
            Drop(result);
            return HandlerOutcome.InFlight;
        }
        return Outcome(message, result, isRequest);
    }

    /// <summary>What a handler's result (a new reference, given up here) makes of <paramref name="message"/>'s run.</summary>
    private readonly HandlerOutcome Outcome(Message message, nint result, bool isRequest)
    {
        if (!isRequest)
        {
            Drop(result);
            return HandlerOutcome.Handled(null);
        }
        try
        {
            var (payload, contentType) = PayloadCodec.Encode(_state, new BorrowedRef(result));
            return HandlerOutcome.Handled(new Message { Topic = message.Topic, Payload = payload, ContentType = contentType, CorrelationId = message.Id });
        }
        finally
        {
            Drop(result);
        }
    }

    /// <summary>The last handler's result (a new reference), 0 when none was called; throws what a handler raised.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly nint CallHandlers(nint received, ReadOnlySpan<int> handlerIds)
    {
        nint result = 0;
        foreach (var id in handlerIds)
        {
            var handler = Handler(id, out var lookupError);
            if (lookupError is not null)
            {
                Drop(result);
                throw lookupError;
            }
            if (handler == 0)
                continue;
            var value = Interop.TypeOf(handler) == _state->AsyncStepType
                ? SdkModule.RunStep(_module.Pointer, AsyncStepType.HandlerOf(handler), received, batch: true)
                : CallOne(handler, received);
            if (value == 0)
            {
                var error = PythonException.FetchCurrent();
                Drop(result);
                throw error;
            }
            Drop(result);
            result = value;
        }
        return result;
    }

    /// <summary>Any other handler: the loop a batch of async steps left set running stops first (0 with an error then).</summary>
    private readonly nint CallOne(nint handler, nint received) =>
        _state->StepLoop == 0 || SdkModule.EndBatchStep(_state) ? Interop.CallOneRaw(handler, received) : 0;

    /// <summary>Before the prelude's code runs on the thread (the loop, a message put in flight, the batch's end).</summary>
    private readonly void EndBatchStep()
    {
        if (_state->StepLoop != 0 && !SdkModule.EndBatchStep(_state))
            throw PythonException.FetchCurrent();
    }

    // None (what most handlers return) is immortal since 3.12: no call to give it back.
    private static void Drop(nint result)
    {
        if (result != 0 && result != LibPython.NoneObject)
            Interop.DecRef(result);
    }

    /// <summary>Borrowed; 0 when handler <paramref name="id"/> is gone (unsubscribed meanwhile).</summary>
    private readonly nint Handler(int id, out Exception? error)
    {
        var state = _state;
        error = null;
        if (state->LastHandler != 0 && id == state->LastHandlerId && state->LastHandlerVersion == state->HandlersVersion)
            return state->LastHandler;
        return LookUpHandler(id, out error);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly nint LookUpHandler(int id, out Exception? error)
    {
        var state = _state;
        try
        {
            using var key = Interop.NewLong(id);
            var handler = Interop.DictGet(new BorrowedRef(state->Handlers), key.Borrow());
            (state->LastHandlerId, state->LastHandlerVersion, state->LastHandler) = (id, state->HandlersVersion, handler.Pointer);
            error = null;
            return handler.Pointer;
        }
        catch (Exception e)
        {
            error = e;
            return 0;
        }
    }

    /// <summary>After <see cref="HandlerResult.InFlight"/>: the key the message's outcome will be collected under.</summary>
    public readonly long Suspend()
    {
        using var key = CallModule("_suspend_message");
        return Interop.AsLong(key.Borrow()) ?? throw new InvalidOperationException("pluginhost._suspend_message did not return a key");
    }

    /// <summary>
    /// Runs the instance's event loop until a message in flight ends or the thread is woken (<paramref name="run"/>
    /// false: only collects), and returns the keys of those that ended; null when the loop is gone (closed at stop) and
    /// nothing more will end.
    /// </summary>
    public readonly long[]? Pump(bool run)
    {
        EndBatchStep();
        using var runArg = Interop.NewBool(run);
        using var module = Interop.GetAttr(_module.Borrow(), "_pump");
        using var done = Interop.CallOne(module.Borrow(), runArg.Borrow());
        if (done.Pointer == LibPython.NoneObject)
            return null;
        var count = Interop.TupleSize(done.Borrow());
        var keys = new long[count];
        for (var i = 0; i < count; i++)
            keys[i] = Interop.AsLong(Interop.TupleItem(done.Borrow(), i)) ?? 0;
        return keys;
    }

    /// <summary>The outcome of the message in flight under <paramref name="key"/>, which ended; throws what its handler raised.</summary>
    public readonly HandlerOutcome Finish(Message message, long key, bool isRequest)
    {
        EndBatchStep();
        using var function = Interop.GetAttr(_module.Borrow(), "_outcome");
        using var keyArg = Interop.NewLong(key);
        var result = Interop.CallOneRaw(function.Pointer, keyArg.Pointer);
        if (result == 0)
            throw PythonException.FetchCurrent();
        return Outcome(message, result, isRequest);
    }

    /// <summary>The descriptor a byte is written to, to end <see cref="Pump"/> early.</summary>
    public readonly int WakeFd()
    {
        using var fd = CallModule("_wake_fd");
        return (int)(Interop.AsLong(fd.Borrow()) ?? -1);
    }

    private readonly NewRef CallModule(string name)
    {
        EndBatchStep();
        var result = Interop.NoThrow.PyObject_CallMethodNoArgs(_module.Pointer, name);
        if (result == 0)
            throw PythonException.FetchCurrent();
        return new NewRef(result);
    }

    public void Dispose()
    {
        if (_state->StepLoop != 0 && !SdkModule.EndBatchStep(_state))
            Firewall.Unraisable(PythonException.FetchCurrent(), "ending a batch of async handler steps");
        _suspended.Dispose();
        _module.Dispose();
    }
}
