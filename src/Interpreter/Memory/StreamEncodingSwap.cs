using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;
using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Memory;

/// <summary>
/// CPython 3.12 calls <c>_Py_ClearStandardStreamEncoding</c> while creating every interpreter: it switches the raw
/// allocator domain of the whole process to the default (<c>malloc</c>), frees two strings that only the deprecated
/// <c>Py_SetStandardStreamEncoding</c> sets (never called here: they are NULL), and switches back to what it found,
/// under no lock the other interpreters' threads take. Meanwhile those threads allocate and free past the
/// <see cref="LargeAllocations"/> hook: a hook block handed to plain <c>free()</c> corrupts the C heap (seen in the red
/// team's 3.12 run: "double free or corruption (out)"), and two creations at once each switch back to the other's
/// default, so the hook is gone for good. libpython makes the call through its own jump slot (a GOT entry), so that slot
/// is pointed at a function that does nothing: with both strings NULL nothing is left undone. 3.13 removed the function.
/// </summary>
internal static unsafe class StreamEncodingSwap
{
    private const string Function = "_Py_ClearStandardStreamEncoding";

    private static long s_skipped;   // process-wide, like the jump slot it counts calls through

    /// <summary>Calls CPython made to <c>_Py_ClearStandardStreamEncoding</c> that did nothing (one per interpreter created).</summary>
    internal static long Skipped => Interlocked.Read(ref s_skipped);

    /// <summary>
    /// Points libpython's jump slot for the function at <see cref="Skip"/>; false when this CPython has no such slot
    /// (3.13+), or sets the strings (then the call is left alone). After loading libpython, before initialising it.
    /// </summary>
    internal static bool Disable(string libraryPath)
    {
        if (!LibPython.TryExport(Function, out _))
            return false;
        foreach (var name in (ReadOnlySpan<string>)["_Py_StandardStreamEncoding", "_Py_StandardStreamErrors"])
            if (LibPython.TryExport(name, out var variable) && *(nint*)variable != 0)
                return false;
        var slot = ElfImports.JumpSlot(libraryPath, Function, "Py_GetVersion", LibPython.Export("Py_GetVersion"));
        if (slot == 0)
            return false;
        NativeGuards.Patch((nint*)slot, (nint)(delegate* unmanaged<void>)&Skip);
        return true;
    }

    [UnmanagedCallersOnly]
    private static void Skip() => Interlocked.Increment(ref s_skipped);
}
