using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Native;

// The error indicator (pyerrors.h).
internal static unsafe partial class Interop
{
    /// <summary>Takes the raised exception out of the indicator: new reference, or NULL when none is set (3.12+).</summary>
    [LibraryImport(Library)]
    internal static partial nint PyErr_GetRaisedException();

    /// <summary>Sets the indicator; steals the reference to <paramref name="exc"/>.</summary>
    [LibraryImport(Library)]
    internal static partial void PyErr_SetRaisedException(nint exc);

    /// <summary>Sets <paramref name="type"/> with a UTF-8 message; borrows the type. Safe to call from a native callback.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void PyErr_SetString(nint type, string message);

    /// <summary>Borrowed; NULL when no error is set.</summary>
    [LibraryImport(Library)]
    internal static partial nint PyErr_Occurred();

    [LibraryImport(Library)]
    internal static partial void PyErr_Clear();

    /// <summary>1 if the pending exception matches <paramref name="type"/>.</summary>
    [LibraryImport(Library)]
    internal static partial int PyErr_ExceptionMatches(nint type);
}
