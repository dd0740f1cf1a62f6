using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// One step of a coroutine in a context of its own (abstract.h, context.h), for the async handler that never waits
// (SdkModule.Step). Raw C contracts: these are only called from an [UnmanagedCallersOnly] function that leaves a
// Python error in the indicator, never converts it.
internal static unsafe partial class Interop
{
    /// <summary>
    /// Sends <paramref name="arg"/> (borrowed) into a coroutine or generator: PYGEN_RETURN (0) with its return value
    /// (new reference) when it ended — without raising StopIteration —, PYGEN_NEXT (1) with what it yielded (new
    /// reference), PYGEN_ERROR (-1) with <paramref name="result"/> NULL and the exception set. 3.10+.
    /// </summary>
    [LibraryImport(Library)]
    private static partial int PyIter_Send(nint iter, nint arg, out nint result);

    /// <summary>New reference to a copy of the current context (O(1): contexts are immutable maps); NULL on error.</summary>
    [LibraryImport(Library)]
    private static partial nint PyContext_CopyCurrent();

    /// <summary>Makes <paramref name="context"/> (borrowed) current; 0, or -1 with RuntimeError when it is entered already.</summary>
    [LibraryImport(Library)]
    private static partial int PyContext_Enter(nint context);

    /// <summary>Restores the context current before <see cref="PyContext_Enter"/>; 0, or -1 with RuntimeError. Leaves a pending exception alone.</summary>
    [LibraryImport(Library)]
    private static partial int PyContext_Exit(nint context);

    /// <summary>0 on success, -1 on error. <paramref name="name"/> and <paramref name="value"/> are borrowed (value NULL deletes).</summary>
    [LibraryImport(Library)]
    private static partial int PyObject_SetAttr(nint o, nint name, nint value);

    /// <summary>New reference to an interned str (this interpreter's); NULL on error.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint PyUnicode_InternFromString(string text);

    internal const int PYGEN_RETURN = 0;
    internal const int PYGEN_ERROR = -1;
    internal const int PYGEN_NEXT = 1;

    /// <summary>An interned str of this interpreter (a new reference), for attribute and global look-ups on a hot path.</summary>
    internal static NewRef Interned(string text) => CheckNew(PyUnicode_InternFromString(text));

    internal static partial class NoThrow
    {
        /// <inheritdoc cref="Interop.PyIter_Send"/>
        internal static int PyIter_Send(nint iter, nint arg, out nint result) => Interop.PyIter_Send(iter, arg, out result);

        /// <inheritdoc cref="Interop.PyContext_CopyCurrent"/>
        internal static nint PyContext_CopyCurrent() => Interop.PyContext_CopyCurrent();

        /// <inheritdoc cref="Interop.PyContext_Enter"/>
        internal static int PyContext_Enter(nint context) => Interop.PyContext_Enter(context);

        /// <inheritdoc cref="Interop.PyContext_Exit"/>
        internal static int PyContext_Exit(nint context) => Interop.PyContext_Exit(context);

        /// <inheritdoc cref="Interop.PyObject_SetAttr"/>
        internal static int PyObject_SetAttr(nint o, nint name, nint value) => Interop.PyObject_SetAttr(o, name, value);
    }
}
