using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// The error indicator (pyerrors.h).
internal static unsafe partial class Interop
{
    /// <summary>Takes the raised exception out of the indicator: new reference, or NULL when none is set (3.12+).</summary>
    [LibraryImport(Library)]
    private static partial nint PyErr_GetRaisedException();

    /// <summary>Sets the indicator; steals the reference to <paramref name="exc"/>.</summary>
    [LibraryImport(Library)]
    private static partial void PyErr_SetRaisedException(nint exc);

    /// <summary>Sets <paramref name="type"/> with a UTF-8 message; borrows the type. Safe to call from a native callback.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial void PyErr_SetString(nint type, string message);

    /// <summary>Borrowed; NULL when no error is set.</summary>
    [LibraryImport(Library)]
    private static partial nint PyErr_Occurred();

    [LibraryImport(Library)]
    private static partial void PyErr_Clear();

    /// <summary>1 if the pending exception matches <paramref name="type"/>.</summary>
    [LibraryImport(Library)]
    private static partial int PyErr_ExceptionMatches(nint type);

    /// <summary>Takes the raised exception out of the indicator (a new reference; null when none is set). Never throws.</summary>
    internal static NewRef FetchRaised() => new(PyErr_GetRaisedException());

    /// <summary>Puts <paramref name="exc"/> back into the indicator, which takes the reference. Never throws.</summary>
    internal static void Raise(StolenRef exc) => PyErr_SetRaisedException(exc.Pointer);

    /// <summary>Raises <paramref name="type"/> (borrowed exception class) with <paramref name="message"/>. Never throws a Python error.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Raise(nint type, string message) => PyErr_SetString(type, message);
}
