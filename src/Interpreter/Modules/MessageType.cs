using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;
using PluginHost.Interpreter.Payloads;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// <c>pluginhost.Message</c>: a received message. It holds the .NET message (a copy already made by the broker) and
/// makes Python objects only for the attributes read; <c>memoryview(message)</c> exposes the payload without copying
/// (buffer protocol, read-only; the memory is pinned while a view exists). A GC heap type: it caches the decoded
/// payload and owns a reference to its type.
/// </summary>
internal static unsafe class MessageType
{
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageObject
    {
        internal nint RefCount;
        internal nint Type;
        internal nint Slot;         // in the interpreter's MessageTable (its message null while parked as the spare); 0: none
        internal nint Payload;      // decoded payload, made on first read
        internal nint Table;        // GCHandle to the interpreter's MessageTable: usable in a dealloc after the module is gone
        internal nint DecodeError;  // str: why the payload did not decode on first read (lazy only); 0: it did, or was not read
    }

    private enum Field
    {
        Topic,
        Payload,
        ContentType,
        Id,
        CorrelationId,
        Sender,
        To,
        Timestamp,
        Headers,
        TraceId,
        SpanId,
    }

    private static nint s_spec;
    private static nint s_lazySpec;

    /// <summary>
    /// <c>pluginhost.Message</c>: <c>payload</c> is a plain member, decoded when the message is made, so reading it
    /// costs no call into .NET (most handlers read it, and that call was a fifth of a small message's delivery).
    /// </summary>
    internal static nint Spec => s_spec != 0 ? s_spec : s_spec = BuildSpec(lazy: false);

    /// <summary>
    /// Its subclass for lent (large) payloads, also named <c>pluginhost.Message</c>: <c>payload</c> is decoded on
    /// first read, so a handler that only takes <c>memoryview(message)</c> never copies it, and one that reads it
    /// copies it once, from the lent memory (a pooled buffer or the sender's own <c>bytes</c>) straight into its own.
    /// </summary>
    internal static nint LazySpec => s_lazySpec != 0 ? s_lazySpec : s_lazySpec = BuildSpec(lazy: true);

    private static nint BuildSpec(bool lazy)
    {
        var fields = lazy ? [Field.Payload] : Enum.GetValues<Field>().Where(f => f != Field.Payload).ToArray();
        var getset = NativeMemoryBlock.Array<PyGetSetDef>(fields.Length + 1);
        for (var i = 0; i < fields.Length; i++)
        {
            getset[i] = new PyGetSetDef
            {
                Name = NativeMemoryBlock.Utf8(PythonName(fields[i])),
                Get = (nint)(delegate* unmanaged<nint, nint, nint>)&Get,
                Closure = (nint)fields[i],
            };
        }
        var slots = NativeMemoryBlock.Array<PyTypeSlot>(10);
        var n = 0;
        slots[n++] = new PyTypeSlot { Slot = Interop.Py_tp_getset, Function = (nint)getset };
        slots[n++] = new PyTypeSlot { Slot = Interop.Py_tp_doc, Function = NativeMemoryBlock.Utf8("A message received from another plugin or the host.") };
        // A GC type must name its own traverse (checked before inheritance); the same three for both.
        slots[n++] = new PyTypeSlot { Slot = Interop.Py_tp_dealloc, Function = (nint)(delegate* unmanaged<nint, void>)&Dealloc };
        slots[n++] = new PyTypeSlot { Slot = Interop.Py_tp_traverse, Function = (nint)(delegate* unmanaged<nint, nint, nint, int>)&Traverse };
        slots[n++] = new PyTypeSlot { Slot = Interop.Py_tp_clear, Function = (nint)(delegate* unmanaged<nint, int>)&Clear };
        if (!lazy)
        {
            // The subclass inherits these.
            var members = NativeMemoryBlock.Array<PyMemberDef>(2);
            members[0] = new PyMemberDef
            {
                Name = NativeMemoryBlock.Utf8(PythonName(Field.Payload)),
                Type = Interop.Py_T_OBJECT_EX,
                Offset = Marshal.OffsetOf<MessageObject>(nameof(MessageObject.Payload)),
                Flags = Interop.Py_READONLY,
            };
            slots[n++] = new PyTypeSlot { Slot = Interop.Py_tp_members, Function = (nint)members };
            slots[n++] = new PyTypeSlot { Slot = Interop.Py_tp_repr, Function = (nint)(delegate* unmanaged<nint, nint>)&Repr };
            slots[n++] = new PyTypeSlot { Slot = Interop.Py_bf_getbuffer, Function = (nint)(delegate* unmanaged<nint, PyBuffer*, int, int>)&GetBuffer };
            slots[n++] = new PyTypeSlot { Slot = Interop.Py_bf_releasebuffer, Function = (nint)(delegate* unmanaged<nint, PyBuffer*, void>)&ReleaseBuffer };
        }
        // BASETYPE on the base only, for its one subclass; neither can be instantiated from Python.
        return HeapTypes.Spec("pluginhost.Message", sizeof(MessageObject), slots, lazy ? 0 : Interop.Py_TPFLAGS_BASETYPE);
    }

    private static string PythonName(Field field) => field switch
    {
        Field.ContentType => "content_type",
        Field.CorrelationId => "correlation_id",
        Field.TraceId => "trace_id",
        Field.SpanId => "span_id",
        _ => field.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// A new reference to a Message holding <paramref name="message"/>, its payload decoded (see <see cref="Spec"/>)
    /// unless lent (see <see cref="LazySpec"/>): the interpreter's spare (see <see cref="Recycle"/>) when there is
    /// one, else a fresh object. A payload that does not decode (JSON that is not, text that is not UTF-8, whatever
    /// the cause) is an outcome, not an exception: null, with <paramref name="undecodable"/> saying why.
    /// </summary>
    internal static NewRef Create(ModuleState* state, Message message, out string? undecodable)
    {
        undecodable = null;
        var lazy = LeasedPayload.TryGet(message, out _);
        var table = state->RequireTarget().Messages;
        NewRef self;
        if (!lazy && state->SpareMessage != 0)
        {
            self = new NewRef(state->SpareMessage);
            state->SpareMessage = 0;
            table[(int)((MessageObject*)self.Pointer)->Slot] = message;
            Interop.GcTrack(self.Pointer);
        }
        else
        {
            self = Interop.GenericAlloc(lazy ? state->LazyMessageType : state->MessageType);
            var o = (MessageObject*)self.Pointer;
            o->Slot = table.Add(message);
            o->Table = GCHandle.ToIntPtr(GCHandle.Alloc(table));
        }
        LeasedPayload.Retain(message);   // this object's lease, released when unbound: a lent payload outlives the delivery while Python holds it
        if (lazy)
            return self;
        try
        {
            ((MessageObject*)self.Pointer)->Payload = PayloadCodec.Decode(state, message).Steal();
            return self;
        }
        catch (PythonException e)
        {
            self.Dispose();
            undecodable = PayloadCodec.Undecodable(message, e);
            return default;
        }
        catch
        {
            self.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Why the payload of <paramref name="self"/> (a Message made by <see cref="Create"/>) did not decode when a handler
    /// first read it (a pooled payload is decoded then); null when it did or was not read.
    /// </summary>
    internal static string? DecodeFailure(BorrowedRef self)
    {
        var error = ((MessageObject*)self.Pointer)->DecodeError;
        return error == 0 ? null : Interop.AsString(new BorrowedRef(error));
    }

    /// <summary>
    /// Ends the caller's reference to a Message it made with <see cref="Create"/>. When nothing else holds it (no
    /// handler kept it), it is unbound from its .NET message and parked as the interpreter's spare instead of freed: a
    /// stream of deliveries then costs no allocation, table slot or dealloc per message.
    /// </summary>
    internal static void Recycle(ModuleState* state, ref NewRef self)
    {
        var o = (MessageObject*)self.Pointer;
        if (o == null || o->RefCount != 1 || state->SpareMessage != 0 || o->Type != state->MessageType)
        {
            self.Dispose();
            return;
        }
        Interop.GcUntrack(self.Pointer);
        Unbind(o, TableOf(o));
        state->SpareMessage = self.Steal();
    }

    /// <summary>Drops the decoded payload and lets go of the .NET message; the slot stays for the next one.</summary>
    private static void Unbind(MessageObject* o, MessageTable table)
    {
        SdkModule.ClearSlot(ref o->Payload);
        SdkModule.ClearSlot(ref o->DecodeError);
        if (table[(int)o->Slot] is { } message)
            LeasedPayload.Release(message);
        table[(int)o->Slot] = null;
    }

    private static MessageTable TableOf(MessageObject* o) => (MessageTable)GCHandle.FromIntPtr(o->Table).Target!;

    private static Message MessageOf(nint self)
    {
        var o = (MessageObject*)self;
        return (o->Slot != 0 ? TableOf(o)[(int)o->Slot] : null)
            ?? throw PythonError.Runtime("this pluginhost.Message is no longer in use");
    }

    [UnmanagedCallersOnly]
    private static nint Get(nint self, nint closure)
    {
        try
        {
            var message = MessageOf(self);
            return (Field)closure switch
            {
                Field.Topic => Interop.NewString(message.Topic).Steal(),
                Field.Payload => CachedPayload(self, message),
                Field.ContentType => Interop.NewString(message.ContentType).Steal(),
                Field.Id => Interop.NewString(message.Id).Steal(),
                Field.CorrelationId => Optional(message.CorrelationId),
                Field.Sender => Interop.NewString(message.Sender).Steal(),
                Field.To => Optional(message.To),
                Field.Timestamp => Interop.NewFloat(message.Timestamp.ToUnixTimeMilliseconds() / 1000.0).Steal(),
                Field.TraceId or Field.SpanId => Optional(TraceIds.Part(TraceParent(self, message), (Field)closure == Field.TraceId)),
                _ => PyConvert.ToPython(message.Headers.ToDictionary(h => h.Key, h => (object?)h.Value)).Steal(),
            };
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    /// <summary>
    /// The message's trace: its handler span's while that handler runs and is traced, else its <c>traceparent</c>
    /// header (tracing off or unsampled, a message kept past its handler); null when neither.
    /// </summary>
    private static string? TraceParent(nint self, Message message)
    {
        var state = (ModuleState*)Interop.TypeModuleState(((MessageObject*)self)->Type);
        return (state != null ? state->Target?.Plugin.HandlerTraceParent(message) : null)
            ?? (message.Headers.Count > 0 ? message.Headers.GetValueOrDefault("traceparent") : null);
    }

    private static nint Optional(string? value) => (value is null ? Interop.NewNone() : Interop.NewString(value)).Steal();

    /// <summary>
    /// The payload, decoded on first read. One that does not decode is a ValueError naming the sender, raised again on
    /// every read, and remembered on the object: the dispatcher then knows a handler that raised read a bad payload.
    /// </summary>
    private static nint CachedPayload(nint self, Message message)
    {
        var o = (MessageObject*)self;
        if (o->DecodeError != 0)
            throw PythonError.Value(Interop.AsString(new BorrowedRef(o->DecodeError)));
        if (o->Payload == 0)
        {
            var state = (ModuleState*)Interop.TypeModuleState(o->Type);
            if (state == null)
                throw PythonException.FetchCurrent();
            try
            {
                o->Payload = PayloadCodec.Decode(state, message).Steal();
            }
            catch (PythonException e)
            {
                var why = PayloadCodec.Undecodable(message, e);
                o->DecodeError = Interop.NewString(why).Steal();
                throw PythonError.Value(why);
            }
        }
        Interop.IncRef(o->Payload);
        return o->Payload;
    }

    [UnmanagedCallersOnly]
    private static nint Repr(nint self)
    {
        try
        {
            var m = MessageOf(self);
            return Interop.NewString($"<pluginhost.Message topic={m.Topic} from={m.Sender} {m.ContentType} {m.Payload.Length} bytes>").Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static int GetBuffer(nint self, PyBuffer* view, int flags)
    {
        try
        {
            if ((flags & Interop.PyBUF_WRITABLE) != 0)
                throw PythonError.Runtime("a message's payload is read-only");
            var payload = MessageOf(self).Payload;
            var pin = payload.Pin();
            var handle = GCHandle.Alloc(new PinnedPayload(pin));
            if (Interop.FillBufferInfo(view, self, (nint)pin.Pointer, payload.Length, flags) != 0)
            {
                handle.Free();
                pin.Dispose();
                return -1;
            }
            view->Internal = GCHandle.ToIntPtr(handle);
            return 0;
        }
        catch (Exception e)
        {
            return Firewall.MinusOne(e);
        }
    }

    [UnmanagedCallersOnly]
    private static void ReleaseBuffer(nint self, PyBuffer* view)
    {
        try
        {
            if (view->Internal == 0)
                return;
            var handle = GCHandle.FromIntPtr(view->Internal);
            view->Internal = 0;
            ((PinnedPayload)handle.Target!).Pin.Dispose();
            handle.Free();
        }
        catch (Exception e)
        {
            Firewall.Unraisable(e, "pluginhost.Message buffer release");
        }
    }

    private sealed record PinnedPayload(System.Buffers.MemoryHandle Pin);

    [UnmanagedCallersOnly]
    private static int Traverse(nint self, nint visit, nint arg)
    {
        var o = (MessageObject*)self;
        var visitor = (delegate* unmanaged<nint, nint, int>)visit;
        if (visitor(o->Type, arg) is var result and not 0)
            return result;
        if (o->DecodeError != 0 && visitor(o->DecodeError, arg) is var error and not 0)
            return error;
        return o->Payload != 0 ? visitor(o->Payload, arg) : 0;
    }

    [UnmanagedCallersOnly]
    private static int Clear(nint self)
    {
        SdkModule.ClearSlot(ref ((MessageObject*)self)->Payload);
        SdkModule.ClearSlot(ref ((MessageObject*)self)->DecodeError);
        return 0;
    }

    [UnmanagedCallersOnly]
    private static void Dealloc(nint self)
    {
        try
        {
            var o = (MessageObject*)self;
            var type = o->Type;
            Interop.GcUntrack(self);
            if (o->Table != 0)
            {
                var table = TableOf(o);
                Unbind(o, table);
                table.Remove((int)o->Slot);
                GCHandle.FromIntPtr(o->Table).Free();
                o->Table = 0;
            }
            else
            {
                SdkModule.ClearSlot(ref o->Payload);
                SdkModule.ClearSlot(ref o->DecodeError);
            }
            HeapTypes.Free(self, type);
        }
        catch (Exception e)
        {
            Firewall.Unraisable(e, "pluginhost.Message dealloc");   // the object leaks rather than the process dying
        }
    }
}
