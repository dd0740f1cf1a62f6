using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Every SQLite connection a governed interpreter opens, set up in the "sqlite3.connect/handle" event (before
/// <c>Connection.__init__</c> has finished — too early for its Python methods, so it reads the connection's
/// <c>sqlite3*</c>, the first field after the object header of CPython 3.12 and 3.13's <c>pysqlite_Connection</c>),
/// through the SQLite library the standard library's <c>_sqlite3</c> links:
/// <list type="bullet">
/// <item>an authorizer that refuses the pragmas that set SQLite's process-wide state (every plugin's connections
/// share one library): <c>temp_store_directory</c>, <c>data_store_directory</c>, <c>hard_heap_limit</c>,
/// <c>soft_heap_limit</c> — a plugin cannot replace it (<c>Connection.set_authorizer</c> is guarded);</item>
/// <item>without an unrestricted write grant, SQLITE_LIMIT_ATTACHED at 0: no ATTACH, nor VACUUM INTO (which
/// attaches), whose files are named in SQL where no path check sees them.</item>
/// </list>
/// </summary>
internal static unsafe class SqliteConnections
{
    private const int SQLITE_LIMIT_ATTACHED = 7;
    private const int SQLITE_OK = 0, SQLITE_DENY = 1, SQLITE_PRAGMA = 19;
    private const int OffsetOfDatabase = 16;

    private static readonly Lazy<(nint Limit, nint SetAuthorizer)> Library = new(Find);

    /// <summary>False with PermissionError set when it cannot be done (the connection is then refused: fail closed).</summary>
    internal static bool Restrict(nint connection, bool attachments)
    {
        var (limit, setAuthorizer) = Library.Value;
        var database = connection == 0 ? 0 : *(nint*)(connection + OffsetOfDatabase);
        if (limit == 0 || setAuthorizer == 0 || database == 0)
        {
            Interop.Raise(LibPython.PermissionErrorType, "the PluginHost policy cannot restrict this SQLite connection (no sqlite3_limit or sqlite3_set_authorizer in the library _sqlite3 links), so it is refused");
            return false;
        }
        ((delegate* unmanaged<nint, nint, nint, int>)setAuthorizer)(database, (nint)(delegate* unmanaged<nint, int, byte*, byte*, byte*, byte*, int>)&Authorize, 0);
        if (!attachments)
            ((delegate* unmanaged<nint, int, int, int>)limit)(database, SQLITE_LIMIT_ATTACHED, 0);
        return true;
    }

    // Called by SQLite while it prepares a statement, on any thread, often without the GIL: native work only.
    [UnmanagedCallersOnly]
    private static int Authorize(nint context, int action, byte* first, byte* second, byte* database, byte* trigger)
    {
        if (action != SQLITE_PRAGMA || first == null || second == null)
            return SQLITE_OK;
        var pragma = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(first);
        return Is(pragma, "temp_store_directory"u8) || Is(pragma, "data_store_directory"u8) || Is(pragma, "hard_heap_limit"u8) || Is(pragma, "soft_heap_limit"u8)
            ? SQLITE_DENY
            : SQLITE_OK;
    }

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected)
    {
        if (name.Length != expected.Length)
            return false;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(name[i] | 0x20) : name[i];
            if (c != expected[i])
                return false;
        }
        return true;
    }

    // libsqlite3 is already loaded by _sqlite3 when a connection exists; this only looks it up.
    private static (nint, nint) Find() =>
        NativeLibrary.TryLoad("libsqlite3.so.0", out var library)
        && NativeLibrary.TryGetExport(library, "sqlite3_limit", out var limit)
        && NativeLibrary.TryGetExport(library, "sqlite3_set_authorizer", out var setAuthorizer)
            ? (limit, setAuthorizer)
            : (0, 0);
}
