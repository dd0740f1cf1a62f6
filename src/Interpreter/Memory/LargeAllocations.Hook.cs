using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Memory;

// The raw-domain allocator functions CPython calls: from any thread, with or without a GIL, on threads .NET has never
// seen (an interpreter's own Python threads). They allocate nothing managed, take no lock, and cannot throw: no
// checked arithmetic, no bounds-checked access; the one lookup of a managed object is behind its own catch.
internal sealed unsafe partial class LargeAllocations
{
    private const int HeaderSize = 16;   // keeps the 16-byte alignment malloc gives

    // PyMem_RawMalloc refuses requests over PY_SSIZE_T_MAX before calling the allocator; the header must fit too.
    private const ulong MaxRequest = long.MaxValue - HeaderSize;

    // Below this, glibc serves a block from its heap without a system call: too short a call to be worth a GC
    // transition (which lets a collection proceed while the thread is in native code). Larger blocks are mapped and
    // unmapped, which can take long; those calls keep the transition.
    private const ulong Quick = 64 << 10;

    [UnmanagedCallersOnly]
    private static nint Malloc(nint context, nuint size) => Allocate((State*)context, size);

    [UnmanagedCallersOnly]
    private static nint Calloc(nint context, nuint count, nuint elementSize)
    {
        var state = (State*)context;
        if (elementSize != 0 && count > MaxRequest / elementSize)
            return 0;
        var size = count * elementSize;
        var block = size < Quick
            ? ((delegate* unmanaged[SuppressGCTransition]<nint, nuint, nuint, nint>)state->Previous.Calloc)(state->Previous.Context, 1, size + HeaderSize)
            : state->Previous.Calloc(state->Previous.Context, 1, size + HeaderSize);
        return block == 0 ? 0 : Charge(state, block, size, CallerCounter(state));
    }

    [UnmanagedCallersOnly]
    private static nint Realloc(nint context, nint pointer, nuint size)
    {
        var state = (State*)context;
        if (pointer == 0)
            return Allocate(state, size);
        var counter = OwnerCounter(state, pointer);
        if (counter is null)
            return state->Previous.Realloc(state->Previous.Context, pointer, size);   // not ours: stays uncounted
        if (size > MaxRequest)
            return 0;
        var before = *(nuint*)(pointer - sizeof(nuint));
        var block = size < Quick && before < Quick
            ? ((delegate* unmanaged[SuppressGCTransition]<nint, nint, nuint, nint>)state->Previous.Realloc)(state->Previous.Context, pointer - HeaderSize, size + HeaderSize)
            : state->Previous.Realloc(state->Previous.Context, pointer - HeaderSize, size + HeaderSize);
        if (block == 0)
            return 0;   // the old block is untouched and still charged
        // The block stays charged to the interpreter that allocated it; the header moved with it.
        *(nuint*)(block + sizeof(nint)) = size;
        Interlocked.Add(ref *counter, (long)size - (long)before);
        return block + HeaderSize;
    }

    [UnmanagedCallersOnly]
    private static void Free(nint context, nint pointer)
    {
        var state = (State*)context;
        var counter = pointer == 0 ? null : OwnerCounter(state, pointer);
        if (counter is null)
        {
            state->Previous.Free(state->Previous.Context, pointer);
            return;
        }
        var size = *(nuint*)(pointer - sizeof(nuint));
        Interlocked.Add(ref *counter, -(long)size);
        if (size < Quick)
            ((delegate* unmanaged[SuppressGCTransition]<nint, nint, void>)state->Previous.Free)(state->Previous.Context, pointer - HeaderSize);
        else
            state->Previous.Free(state->Previous.Context, pointer - HeaderSize);
    }

    private static nint Allocate(State* state, nuint size)
    {
        if (size > MaxRequest)
            return 0;
        var block = size < Quick
            ? ((delegate* unmanaged[SuppressGCTransition]<nint, nuint, nint>)state->Previous.Malloc)(state->Previous.Context, size + HeaderSize)
            : state->Previous.Malloc(state->Previous.Context, size + HeaderSize);
        return block == 0 ? 0 : Charge(state, block, size, CallerCounter(state));
    }

    private static nint Charge(State* state, nint block, nuint size, long* counter)
    {
        *(nint*)block = (nint)counter ^ state->Key;
        *(nuint*)(block + sizeof(nint)) = size;
        Interlocked.Add(ref *counter, (long)size);
        return block + HeaderSize;
    }

    /// <summary>The counter a block made by the hook was charged to; null for a block it did not make.</summary>
    private static long* OwnerCounter(State* state, nint pointer)
    {
        // Reading the 16 bytes before any malloc'd pointer is safe: they are the chunk's own header.
        var offset = (*(nint*)(pointer - HeaderSize) ^ state->Key) - state->Cells;
        return (nuint)offset < (nuint)Capacity * CellSize && (offset & (CellSize - 1)) == 0 ? (long*)(state->Cells + offset) : null;
    }

    /// <summary>The counter of the interpreter the calling thread works for.</summary>
    private static long* CallerCounter(State* state)
    {
        var threadState = state->CurrentThreadState();
        var id = threadState != 0 ? Interop.ThreadStateInterpreterId(threadState) : DetachedInterpreter(state);
        var index = (ulong)(id + 1);
        return Counter(state, index < Capacity ? (long)index : 0);
    }

    /// <summary>
    /// No thread state attached (C code that released the GIL): a Python thread's own state, else the interpreter whose
    /// owner thread this is; -1 when neither.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long DetachedInterpreter(State* state)
    {
        // Outside initialisation the GIL-state thread-local key does not exist: reading it would read another's.
        if (Volatile.Read(ref state->Initialized) == 0)
            return -1;
        var own = Interop.GilStateOfThisThread();
        if (own != 0)
            return Interop.ThreadStateInterpreterId(own);
        try
        {
            return GCHandle.FromIntPtr(state->Self).Target is LargeAllocations ledger
                && ledger._owners.TryGetValue(Interop.CurrentThreadIdent(), out var id) ? id : -1;
        }
        catch (Exception)
        {
            return -1;   // cannot happen (the handle lives as long as the hook); never let it reach CPython
        }
    }
}
