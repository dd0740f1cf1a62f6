using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// Walking an interpreter's thread states (pystate.h: the "for debuggers" API), to stop the threads it still runs
// before it is ended.
internal static unsafe partial class Interop
{
    /// <summary>
    /// Borrowed; the first thread state of <paramref name="interp"/>, or NULL. The list only changes under CPython's
    /// runtime lock: call with that interpreter's GIL held, so none of its threads can add or remove itself meanwhile.
    /// Cannot fail.
    /// </summary>
    [LibraryImport(Library)]
    private static partial nint PyInterpreterState_ThreadHead(nint interp);

    /// <summary>Borrowed; the thread state after <paramref name="tstate"/> in its interpreter, or NULL. Same rules as above.</summary>
    [LibraryImport(Library)]
    private static partial nint PyThreadState_Next(nint tstate);

    /// <summary>Borrowed first thread state of <paramref name="interp"/>, or 0; with its GIL held. Never throws.</summary>
    internal static nint FirstThreadState(nint interp) => PyInterpreterState_ThreadHead(interp);

    /// <summary>Borrowed thread state after <paramref name="tstate"/>, or 0; with its GIL held. Never throws.</summary>
    internal static nint NextThreadState(nint tstate) => PyThreadState_Next(tstate);
}
