using System.Diagnostics;
using System.Runtime.InteropServices;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Native;
using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Modules;

// publish / request / subscribe: the module's messaging functions. Blocking waits (full inboxes, replies) happen with
// the interpreter's GIL released, so the plugin's other threads keep running and other interpreters never wait on it.
internal static unsafe partial class SdkModule
{
    private static readonly string[] PublishArgs = ["topic", "payload", "headers", "to"];
    private static readonly string[] RequestArgs = ["topic", "payload", "to", "timeout", "headers"];

    private static void AddMessagingMethods(PyMethodDef* methods)
    {
        const int keywords = Interop.METH_FASTCALL | Interop.METH_KEYWORDS;
        methods[0] = Method("publish", (delegate* unmanaged<nint, nint*, nint, nint, nint>)&Publish, keywords,
            "publish(topic, payload, headers=None, *, to=None) -> None\n\nSends a copy of payload (bytes, str or a JSON value) to the topic's subscribers.");
        methods[1] = Method("request", (delegate* unmanaged<nint, nint*, nint, nint, nint>)&Request, keywords,
            "request(topic, payload, *, to=None, timeout=None, headers=None) -> Message\n\nSends a request to one receiver and waits for its reply.");
        methods[2] = Method("subscribe", (delegate* unmanaged<nint, nint*, nint, nint>)&Subscribe, Interop.METH_FASTCALL,
            "subscribe(pattern, handler) -> int\n\nCalls handler(message) for topics matching pattern ('*' one token, '>' the rest); returns the subscription id.");
        methods[3] = Method("unsubscribe", (delegate* unmanaged<nint, nint, nint>)&Unsubscribe, Interop.METH_O,
            "unsubscribe(subscription) -> bool\n\nEnds a subscription made with subscribe().");
        methods[4] = Method("_set_direct_handler", (delegate* unmanaged<nint, nint, nint>)&SetDirectHandler, Interop.METH_O,
            "Handler for messages addressed to this plugin (to=...); set by the host from the entry module's on_message.");
        methods[5] = Method("_begin_request", (delegate* unmanaged<nint, nint*, nint, nint, nint>)&BeginRequest, keywords,
            "Starts a request and returns its id for _wait_reply; used by request_async.");
        methods[6] = Method("_wait_reply", (delegate* unmanaged<nint, nint, nint>)&WaitReply, Interop.METH_O,
            "Waits, without the GIL, for the reply of a request begun with _begin_request.");
    }

    private const int MessagingMethodCount = 7;

    [UnmanagedCallersOnly]
    private static nint Publish(nint module, nint* args, nint nargs, nint kwnames)
    {
        try
        {
            Span<nint> a = stackalloc nint[PublishArgs.Length];
            FastCallArgs.Parse("publish", args, nargs, kwnames, PublishArgs, 2, a);
            var state = State(module);
            var target = state->RequireTarget();
            target.Releases.Drain();   // what receivers are done with of the bytes it lent before: a publishing loop holds no more than is in flight
            var message = BuildMessage(state, target, "publish", a[0], a[1], a[2], a[3], target.Interpreter.Runtime.Payloads);
            try
            {
                if (target.Plugin.Publish(message) is { } pending)
                    WaitWithoutGil(pending);
            }
            catch (Exception e) when (e is not PythonError)
            {
                throw PythonError.FromHost(e);
            }
            finally
            {
                // The sender's reference: each delivery and each receiving Message object holds its own lease.
                LeasedPayload.Release(message);
            }
            return Interop.NewNone().Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint Request(nint module, nint* args, nint nargs, nint kwnames)
    {
        try
        {
            var state = State(module);
            // A reply usually arrives within microseconds: spinning (GIL released) can save a kernel wake-up.
            var reply = WaitWithoutGil(SendRequest(state, "request", args, nargs, kwnames), state->RequireTarget().ReplySpin);
            return Reply(state, reply);
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint Subscribe(nint module, nint* args, nint nargs)
    {
        try
        {
            if (nargs != 2)
                throw PythonError.Type($"subscribe() takes 2 arguments (pattern, handler), {nargs} given");
            var pattern = FastCallArgs.String("subscribe", "pattern", args[0]);
            var handler = new BorrowedRef(args[1]);
            if (!Interop.IsCallable(handler))
                throw PythonError.Type("subscribe() handler must be callable");
            var state = State(module);
            var binding = state->RequireBinding();
            var id = checked((int)++state->NextId);
            SetHandler(state, id, handler);
            try
            {
                binding.Subscribe(pattern, id);
            }
            catch (Exception e)
            {
                RemoveHandler(state, id);
                throw PythonError.FromHost(e);
            }
            return Interop.NewLong(id).Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint Unsubscribe(nint module, nint subscription)
    {
        try
        {
            var id = IdArgument(subscription, "unsubscribe() takes the id subscribe() returned");
            var state = State(module);
            var removed = Unsubscribe(state->RequireBinding(), (int)id);
            RemoveHandler(state, id);
            return Interop.NewBool(removed).Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint SetDirectHandler(nint module, nint handler)
    {
        try
        {
            var state = State(module);
            if (handler == LibPython.NoneObject)
                RemoveHandler(state, DirectHandlerId);
            else
                SetHandler(state, DirectHandlerId, new BorrowedRef(handler));
            return Interop.NewNone().Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint BeginRequest(nint module, nint* args, nint nargs, nint kwnames)
    {
        try
        {
            var state = State(module);
            var id = state->RequireTarget().BeginRequest(SendRequest(state, "request_async", args, nargs, kwnames));
            return Interop.NewLong(id).Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    /// <summary>
    /// Blocks the calling Python thread (an asyncio executor thread) with the GIL released until the reply of
    /// <c>_begin_request</c> arrives. Waiting in native code needs no Python to complete it, so it works whichever
    /// thread runs the event loop — including the interpreter's own.
    /// </summary>
    [UnmanagedCallersOnly]
    private static nint WaitReply(nint module, nint pending)
    {
        try
        {
            var id = IdArgument(pending, "_wait_reply() takes the id _begin_request() returned");
            var state = State(module);
            var reply = WaitWithoutGil(state->RequireTarget().EndRequest(id));
            return Reply(state, reply);
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    /// <summary>A new reference to the reply as a Message; a reply that does not decode is a ValueError naming its sender.</summary>
    private static nint Reply(ModuleState* state, Message reply)
    {
        var made = MessageType.Create(state, reply, out var undecodable);
        return made.IsNull ? throw PythonError.Value($"{undecodable} (a reply on '{reply.Topic}')") : made.Steal();
    }

    private static void SetHandler(ModuleState* state, long id, BorrowedRef handler)
    {
        using var key = Interop.NewLong(id);
        state->HandlersVersion++;
        Interop.DictSet(new BorrowedRef(state->Handlers), key.Borrow(), handler);
    }

    private static void RemoveHandler(ModuleState* state, long id)
    {
        using var key = Interop.NewLong(id);
        state->HandlersVersion++;
        Interop.DictRemove(new BorrowedRef(state->Handlers), key.Borrow());
    }

    private static long IdArgument(nint value, string error) =>
        Interop.TypeOf(value) != LibPython.BoolType && Interop.HasTypeFlag(value, Interop.Py_TPFLAGS_LONG_SUBCLASS) && Interop.AsLong(new BorrowedRef(value)) is { } id
            ? id
            : throw PythonError.Type(error);

    private static bool Unsubscribe(IPluginBinding binding, int id)
    {
        try
        {
            return binding.Unsubscribe(id);
        }
        catch (Exception e) when (e is not PythonError)
        {
            throw PythonError.FromHost(e);
        }
    }

    /// <summary>Parses request(topic, payload, *, to, timeout, headers) and hands the request to the host.</summary>
    private static Task<Message> SendRequest(ModuleState* state, string function, nint* args, nint nargs, nint kwnames)
    {
        Span<nint> a = stackalloc nint[RequestArgs.Length];
        FastCallArgs.Parse(function, args, nargs, kwnames, RequestArgs, 2, a);
        var target = state->RequireTarget();
        var message = BuildMessage(state, target, function, a[0], a[1], a[4], a[2]);
        var timeout = FastCallArgs.Seconds(function, "timeout", a[3]);
        try
        {
            return target.Plugin.Request(message, timeout);
        }
        catch (Exception e) when (e is not PythonError)
        {
            throw PythonError.FromHost(e);
        }
    }

    /// <summary>
    /// With a <paramref name="pool"/> (publish only), a large payload is lent (the sender's own <c>bytes</c>) or pooled:
    /// the caller releases it.
    /// </summary>
    private static Message BuildMessage(ModuleState* state, InterpreterBinding target, string function, nint topic, nint payload, nint headers, nint to, PayloadPool? pool = null)
    {
        var binding = target.Plugin;
        // Arguments first: the payload is copied (possibly into a pooled buffer) only once nothing else can fail.
        var topicText = target.Topics.Get(function, topic);
        var address = FastCallArgs.OptionalString(function, "to", to);
        var headerValues = FastCallArgs.Headers(function, topicText, headers, binding);
        var (bytes, contentType) = PayloadCodec.Encode(state, new BorrowedRef(payload), pool, pool is null ? null : target.Releases);
        var message = new Message
        {
            Topic = topicText,
            Payload = bytes,
            ContentType = contentType,
            Sender = binding.PluginName,
            To = address,
            Id = binding.NewMessageId(),
            Timestamp = DateTimeOffset.UtcNow,
        };
        return headerValues is null ? message : message with { Headers = headerValues };
    }

    /// <summary>
    /// Waits with the GIL released; spins first (see <see cref="SpinBudget"/>) when the caller has a budget. The task is
    /// the host's: its failure is a <see cref="PythonError"/> as <see cref="PythonError.FromHost"/> reads it.
    /// </summary>
    private static void WaitWithoutGil(Task task, SpinBudget? spin = null)
    {
        using var released = Gil.Release();
        if (spin is not null)
        {
            var start = Stopwatch.GetTimestamp();
            if (!spin.Until(static t => t.IsCompleted, task, start))
                WaitQuietly(task);
            spin.Waited(start);
        }
        if (!task.IsCompletedSuccessfully)
            Rethrow(task);
    }

    private static void Rethrow(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not PythonError)
        {
            throw PythonError.FromHost(e);
        }
    }

    /// <summary>Blocks until <paramref name="task"/> ends, whatever its outcome (the caller reads it unwrapped).</summary>
    private static void WaitQuietly(Task task)
    {
        try
        {
            task.Wait();
        }
        catch (AggregateException)
        {
        }
    }

    private static T WaitWithoutGil<T>(Task<T> task, SpinBudget? spin = null)
    {
        WaitWithoutGil((Task)task, spin);
        return task.Result;
    }
}
