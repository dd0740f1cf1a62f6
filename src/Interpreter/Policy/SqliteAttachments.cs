using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Turns off ATTACH (and VACUUM INTO, which attaches its target) on a new SQLite connection by setting its
/// SQLITE_LIMIT_ATTACHED to 0, through the SQLite library the standard library's <c>_sqlite3</c> links. It runs in
/// the "sqlite3.connect/handle" event, before <c>Connection.__init__</c> has finished — too early for the Python
/// method, so it reads the connection's <c>sqlite3*</c>, the first field after the object header of CPython 3.12 and
/// 3.13's <c>pysqlite_Connection</c>.
/// </summary>
internal static unsafe class SqliteAttachments
{
    private const int SQLITE_LIMIT_ATTACHED = 7;
    private const int OffsetOfDatabase = 16;

    private static readonly Lazy<nint> Limit = new(FindLimit);

    /// <summary>False with PermissionError set when it cannot be done (the connection is then refused: fail closed).</summary>
    internal static bool Restrict(nint connection)
    {
        var limit = Limit.Value;
        var database = connection == 0 ? 0 : *(nint*)(connection + OffsetOfDatabase);
        if (limit == 0 || database == 0)
        {
            PolicyNative.PyErr_SetString(LibPython.PermissionErrorType, "the PluginHost policy cannot turn off ATTACH on this SQLite connection, so it is refused; 'filesystem.write' allows it");
            return false;
        }
        ((delegate* unmanaged<nint, int, int, int>)limit)(database, SQLITE_LIMIT_ATTACHED, 0);
        return true;
    }

    // libsqlite3 is already loaded by _sqlite3 when a connection exists; this only looks it up.
    private static nint FindLimit() =>
        NativeLibrary.TryLoad("libsqlite3.so.0", out var library) && NativeLibrary.TryGetExport(library, "sqlite3_limit", out var limit) ? limit : 0;
}
