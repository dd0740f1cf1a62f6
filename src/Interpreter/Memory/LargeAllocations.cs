using System.Runtime.InteropServices;
using System.Security.Cryptography;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Memory;

/// <summary>
/// What each interpreter holds in blocks from CPython's raw allocator domain (<c>PyMem_RawMalloc</c>): every object
/// over 512 bytes — pymalloc passes those on to it — and CPython's own raw allocations for the interpreter. These are
/// not in its obmalloc's statistics (<see cref="AllocatorStatistics"/>). Owned by the <see cref="PythonRuntime"/>; the
/// hook reaches it through its native context, never a static.
/// <para>
/// The hook (LargeAllocations.Hook.cs) wraps the previous raw allocator: each block gets a 16-byte header naming the
/// counter it was charged to and its size, so a block is credited back to the interpreter that allocated it whichever
/// thread frees it (an interpreter's thread states are freed by other threads, and without a thread state). Counters
/// are one per interpreter id, each alone on its cache line, changed with one atomic add and no lock.
/// </para>
/// </summary>
internal sealed unsafe partial class LargeAllocations
{
    /// <summary>Counters: index 0 is for blocks allocated by no interpreter (or one beyond the capacity), 1 + id for each id below.</summary>
    internal const int Capacity = 1 << 16;

    /// <summary>One counter per cache-line pair (the adjacent-line prefetcher fetches 128 bytes).</summary>
    private const int CellSize = 128;

    private readonly State* _state;
    private readonly GCHandle _self;
    private readonly Lock _write = new();
    // Each interpreter's owner thread (PyThread_get_thread_ident) → interpreter id: replaced whole on change, read without a lock.
    private volatile Dictionary<nuint, long> _owners = [];

    /// <summary>The hook's context, in native memory for the life of the process (CPython keeps the allocator until exit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct State
    {
        internal PyMemAllocatorEx Previous;
        internal nint Cells;
        internal nint Key;      // headers hold cell ^ Key, so a block the hook did not make is not taken for one of its own
        internal nint Self;     // GCHandle of the owning LargeAllocations, for the owner-thread lookup
        internal int Initialized;   // 1 while CPython is initialised: the GIL-state thread-local exists
        internal delegate* unmanaged[SuppressGCTransition]<nint> CurrentThreadState;
    }

    private LargeAllocations()
    {
        _self = GCHandle.Alloc(this);
        _state = (State*)NativeMemory.AllocZeroed((nuint)sizeof(State));
        _state->Cells = MapZeroed((nuint)Capacity * CellSize);
        Span<byte> key = stackalloc byte[sizeof(long)];
        RandomNumberGenerator.Fill(key);
        _state->Key = (nint)(BitConverter.ToInt64(key) | 1);
        _state->Self = GCHandle.ToIntPtr(_self);
        _state->CurrentThreadState = (delegate* unmanaged[SuppressGCTransition]<nint>)Interop.CurrentThreadStateExport();
    }

    /// <summary>
    /// Wraps the raw domain's allocator. Call after <c>Py_PreInitialize</c> (which sets the allocators up) and before
    /// anything else allocates from it: blocks made by the previous allocator would not carry the header (they are
    /// recognised and passed through uncounted, but none should exist).
    /// </summary>
    internal static LargeAllocations Install()
    {
        var ledger = new LargeAllocations();
        Interop.GetAllocator(Interop.PYMEM_DOMAIN_RAW, &ledger._state->Previous);
        var hook = new PyMemAllocatorEx
        {
            Context = (nint)ledger._state,
            Malloc = &Malloc,
            Calloc = &Calloc,
            Realloc = &Realloc,
            Free = &Free,
        };
        LibPython.AllocatorCallsDotNet = true;
        Interop.SetAllocator(Interop.PYMEM_DOMAIN_RAW, &hook);
        return ledger;
    }

    /// <summary>Whether the raw domain's allocator is still this hook (nothing in the process has switched it since).</summary>
    internal bool IsInstalled
    {
        get
        {
            PyMemAllocatorEx current;
            Interop.GetAllocator(Interop.PYMEM_DOMAIN_RAW, &current);
            return current.Context == (nint)_state;   // the context is this hook's own state: no other allocator has it
        }
    }

    /// <summary>Between Py_InitializeFromConfig and Py_FinalizeEx: the hook may ask CPython for a thread's own state then.</summary>
    internal bool RuntimeInitialized
    {
        set => Volatile.Write(ref _state->Initialized, value ? 1 : 0);
    }

    /// <summary>Bytes in raw-domain blocks charged to interpreter <paramref name="interpreterId"/> and not yet freed; null beyond the capacity.</summary>
    internal long? BytesOf(long interpreterId) =>
        interpreterId >= 0 && interpreterId < Capacity - 1 ? Volatile.Read(ref *Counter(_state, interpreterId + 1)) : null;

    /// <summary>Bytes charged to no interpreter: allocated by a thread with no thread state of its own, or by an interpreter beyond the capacity.</summary>
    internal long UnattributedBytes => Volatile.Read(ref *Counter(_state, 0));

    /// <summary>
    /// Blocks allocated on <paramref name="ownerThread"/> while it has no thread state attached (the interpreter's
    /// own C code with the GIL released) are charged to <paramref name="interpreterId"/>.
    /// </summary>
    internal void RegisterOwner(nuint ownerThread, long interpreterId)
    {
        lock (_write)
            _owners = new Dictionary<nuint, long>(_owners) { [ownerThread] = interpreterId };
    }

    internal void UnregisterOwner(nuint ownerThread)
    {
        lock (_write)
        {
            var copy = new Dictionary<nuint, long>(_owners);
            if (copy.Remove(ownerThread))
                _owners = copy;
        }
    }

    private static long* Counter(State* state, long index) => (long*)(state->Cells + (nint)index * CellSize);

    /// <summary>Zeroed pages, reserved but not touched (resident only once written): never unmapped.</summary>
    private static nint MapZeroed(nuint length)
    {
        const int PROT_READ = 0x1, PROT_WRITE = 0x2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
        var address = LibC.MapAnonymous(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
        if (address == -1)
            throw new InvalidOperationException($"mmap of {length} bytes for the allocation counters failed (errno {Marshal.GetLastPInvokeError()}).");
        return address;
    }
}
