using System.Globalization;
using System.Text;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

internal static unsafe partial class AuditHook
{
    // Files and directories: by the real path the kernel will reach, a descriptor by what it refers to; unknown is denied.
    private readonly ref partial struct Rules
    {
        private const long O_ACCMODE = 3, O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400;
        private const long SqliteLimitAttached = 7;

        private const string WhyRead = "reading outside the plugin's own folder and the standard library needs a grant";
        private const string WhyWrite = "creating, changing or deleting files needs a grant";
        private const string WhyUnknown = "its real path cannot be established (too long, a symlink loop, an unreadable directory or a descriptor that is not a directory), so it cannot be checked";
        private const string WhyAttach = "ATTACH and VACUUM INTO open database files by a name in SQL, which no path check sees; only an unrestricted 'filesystem.write' allows them";

        private int Open()
        {
            var flags = Long(Arg(2)) ?? 0;
            // CPython's fopen-style opens (SSLContext.keylog_filename, ...) pass flags 0 and the mode as a str.
            var mode = Utf8(Arg(1));
            var write = (flags & O_ACCMODE) != 0 || (flags & (O_CREAT | O_TRUNC | O_APPEND)) != 0
                || mode.IndexOfAny("wax+"u8) >= 0;
            var path = Arg(0);
            if (Long(path) is { } fd)
                return OwnDescriptor("open", fd);   // a file object over a descriptor already open: the plugin's own only
            // os.open(name, dir_fd=fd): CPython's event carries no dir_fd; the os.open guard left it for this event.
            var dirFd = compiled.TakeDirFd(path);
            var decision = CheckPath("open", path, dirFd, write, noneIsCwd: false, out var resolved);
            if (decision == 0 && !write)
                NoteBytecode(path, dirFd, resolved);
            return decision;
        }

        /// <summary>A bytecode cache of the standard library being opened: the import system's marshal.loads of it may follow.</summary>
        private void NoteBytecode(nint pathObject, int dirFd, ReadOnlySpan<byte> resolved)
        {
            if (resolved.IsEmpty)
            {
                // Granted reading everywhere, the path was not resolved: do it for caches only.
                using var path = PathArg.From(pathObject);
                if (!path.IsPath || !new ReadOnlySpan<byte>(path.Bytes, path.Length).EndsWith(".pyc"u8))
                    return;
                var length = PathRules.Resolve(path.Bytes, path.Length, dirFd, compiled.PathBuffer, out _);
                if (length <= 0)
                    return;
                resolved = new ReadOnlySpan<byte>(compiled.PathBuffer, length);
            }
            if (resolved.EndsWith(".pyc"u8) && PathRules.Under(resolved, compiled.Registry.Stdlib))
                compiled.ExpectBytecode(Encoding.UTF8.GetString(resolved));
        }

        /// <param name="name">The call acts on the last component itself, not on what a symlink there points at (see <see cref="PathRules.ResolveName"/>).</param>
        private int FileSystem(int pathIndex, int dirFdIndex, bool write, bool noneIsCwd = false, bool harmlessIfExists = false, bool name = false)
        {
            var dirFd = dirFdIndex >= 0 ? Long(Arg(dirFdIndex)) ?? -1 : -1;
            return CheckPath(null, Arg(pathIndex), (int)dirFd, write, noneIsCwd, out _, harmlessIfExists, name);
        }

        private int ReadPaths()
        {
            var count = (int)Interop.NoThrow.PyTuple_Size(args);
            for (var i = 0; i < count; i++)
            {
                var path = Arg(i);
                if (path != LibPython.NoneObject && CheckPath(Event, path, -1, write: false, noneIsCwd: false, out _) is var denied and not 0)
                    return denied;
            }
            return 0;
        }

        private int Both(int first, int pathIndex, int dirFdIndex, bool write, bool name = false) =>
            first != 0 ? first : FileSystem(pathIndex, dirFdIndex, write, name: name);

        // harmlessIfExists: the call cannot change an existing target (os.mkdir fails with EEXIST), so it is let through
        // to fail by itself — os.makedirs(existing, exist_ok=True) then works without a denial.
        private int CheckPath(string? facility, nint pathObject, int dirFd, bool write, bool noneIsCwd, out ReadOnlySpan<byte> resolved, bool harmlessIfExists = false, bool name = false)
        {
            resolved = default;
            if (Policy.Grants(write ? Capability.FileSystemWrite : Capability.FileSystemRead) || Policy.Grants(Capability.FileSystemWrite))
                return Policy.ReportAllowed ? Allowed(write ? Capability.FileSystemWrite : Capability.FileSystemRead, facility ?? Event, PathText(pathObject)) : 0;
            if (Long(pathObject) is { } fd)
                return Descriptor(facility ?? Event, fd, write);
            if (pathObject == LibPython.NoneObject && noneIsCwd)
                pathObject = 0;
            using var path = pathObject == 0 ? PathArg.Cwd() : PathArg.From(pathObject);
            if (!path.IsPath)
                return pathObject == 0 || pathObject == LibPython.NoneObject ? 0 : Unknown(facility ?? Event, "(a path-like object)", write);
            var buffer = compiled.PathBuffer;
            var exists = false;
            var length = name ? PathRules.ResolveName(path.Bytes, path.Length, dirFd, buffer) : PathRules.Resolve(path.Bytes, path.Length, dirFd, buffer, out exists);
            if (length <= 0)
                return Unknown(facility ?? Event, path.Text, write);
            if (exists && harmlessIfExists)
                return 0;
            resolved = new ReadOnlySpan<byte>(buffer, length);
            return Decide(facility, resolved, write);
        }

        /// <summary>A call on an open descriptor: judged by the file it refers to; 0–2 are the host's standard streams.</summary>
        /// <summary>
        /// A call on an open descriptor: one of the host's standard streams, one this interpreter did not make (the
        /// host's or another plugin's), or judged by the file it refers to. <paramref name="ownMemoryFiles"/>: the
        /// interpreter's own memfd (no file of the file system) is its to map.
        /// </summary>
        private int Descriptor(string facility, long fd, bool write, bool ownMemoryFiles = false)
        {
            if (fd is >= 0 and <= 2)
                return write ? Stdio(facility, fd) : 0;
            if (compiled.OwnsDescriptor(fd) == false)
                return ForeignDescriptor(facility, fd);
            var buffer = compiled.PathBuffer;
            var length = PathRules.DescriptorPath(fd, buffer);
            if (length == 0)
                return 0;   // a pipe, a socket, an anonymous inode, or not open: no file of the file system to protect
            if (length < 0)
                return Unknown(facility, $"descriptor {fd}", write);
            var path = new ReadOnlySpan<byte>(buffer, length);
            if (ownMemoryFiles && path.StartsWith("/memfd:"u8))
                return 0;
            return Decide(facility, path, write);
        }

        private int Decide(string? facility, ReadOnlySpan<byte> resolved, bool write)
        {
            if (PathRules.Under(resolved, write ? compiled.Writable : compiled.Readable))
            {
                return Policy.ReportAllowed && PathRules.Under(resolved, write ? compiled.GrantedWritable : compiled.GrantedReadable)
                    ? Allowed(write ? Capability.FileSystemWrite : Capability.FileSystemRead, facility ?? Event, Encoding.UTF8.GetString(resolved))
                    : 0;
            }
            var path = Encoding.UTF8.GetString(resolved);
            var prefix = write ? CapabilityNames.WritePrefix : CapabilityNames.ReadPrefix;
            return Deny(facility ?? Event, $"'{path}'", write ? Capability.FileSystemWrite : Capability.FileSystemRead, write ? WhyWrite : WhyRead, $"{prefix}:{PathRules.DirectoryOf(path)}");
        }

        private int Unknown(string facility, string path, bool write) =>
            Deny(facility, $"'{(path.Length > 200 ? path[..200] + "..." : path)}'", write ? Capability.FileSystemWrite : Capability.FileSystemRead, WhyUnknown,
                write ? CapabilityNames.WritePrefix : CapabilityNames.ReadPrefix);

        private int Sqlite()
        {
            var database = Arg(0);
            using var path = PathArg.From(database);
            if (!path.IsPath)
                return Long(database) is null ? Unknown("sqlite3.connect", "(a path-like object)", write: true) : 0;
            var text = Encoding.UTF8.GetString(path.Bytes, path.Length);
            if (text.Length == 0 || text == ":memory:")
                return 0;
            // A "file:" name is a URI both with uri=True and in SQLite builds with USE_URI (Debian's): judged as one.
            if (text.StartsWith("file:", StringComparison.Ordinal))
            {
                return SqliteUri.Parse(text) switch
                {
                    null => Unknown("sqlite3.connect", text, write: true),
                    { Shared: true } => Deny("sqlite3.connect", $"'{text}'", Capability.None, "a shared-cache or memdb database is one for the whole process: every plugin could read and write it, outside the broker"),
                    { InMemory: true } => 0,
                    var uri => CheckName("sqlite3.connect", uri.Path, write: !uri.ReadOnly),
                };
            }
            return CheckPath("sqlite3.connect", database, -1, write: true, noneIsCwd: false, out _);
        }

        private int CheckName(string facility, string name, bool write)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            var buffer = compiled.PathBuffer;
            fixed (byte* p = bytes)
            {
                var length = PathRules.Resolve(p, bytes.Length, -1, buffer, out _);
                return length <= 0 ? Unknown(facility, name, write) : Decide(facility, new ReadOnlySpan<byte>(buffer, length), write);
            }
        }

        /// <summary>A new SQLite connection: the host's authorizer; without an unrestricted write grant, no ATTACH.</summary>
        private int SqliteHandle() =>
            SqliteConnections.Restrict(Arg(0), attachments: Policy.Grants(Capability.FileSystemWrite)) ? 0 : -1;

        /// <summary><c>Connection.setlimit(category, limit)</c>: the attachment limit may not be raised from 0 without the grant.</summary>
        private int SqliteLimit()
        {
            if (Long(Arg(0)) != SqliteLimitAttached || Long(Arg(1)) is <= 0 || Policy.Grants(Capability.FileSystemWrite))
                return 0;
            return Deny("sqlite3.Connection.setlimit", $"SQLITE_LIMIT_ATTACHED, {ArgText(1)}", Capability.FileSystemWrite, WhyAttach);
        }

        /// <summary><c>shm_open</c>, <c>shm_unlink</c>, <c>sem_unlink</c>: files of /dev/shm by name.</summary>
        private int SharedMemory()
        {
            var name = Encoding.UTF8.GetString(Utf8(Arg(0))).TrimStart('/');
            var prefix = Event.StartsWith("_multiprocessing", StringComparison.Ordinal) ? "/dev/shm/sem." : "/dev/shm/";
            return name.Length == 0 || name.Contains('/', StringComparison.Ordinal)
                ? 0   // refused by the call itself (EINVAL)
                : CheckName(Event, prefix + name, write: true);
        }

        private int Stdio(string facility, long fd) =>
            Require(Capability.ProcessStdio, facility, fd.ToString(CultureInfo.InvariantCulture), WhyStdio);
    }

    /// <summary>A SQLite URI (<c>file:path?mode=ro&amp;...</c>) as SQLite reads it: its file, and whether it is in memory or read-only.</summary>
    private sealed record SqliteUri(string Path, bool InMemory, bool ReadOnly, bool Shared)
    {
        internal static SqliteUri? Parse(string uri)
        {
            var rest = uri[5..];
            var query = rest.IndexOf('?', StringComparison.Ordinal);
            var path = query < 0 ? rest : rest[..query];
            var fragment = path.IndexOf('#', StringComparison.Ordinal);
            if (fragment >= 0)
                path = path[..fragment];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                // file://authority/path: only an empty authority or "localhost" is a local file.
                var slash = path.IndexOf('/', 2);
                var authority = slash < 0 ? path[2..] : path[2..slash];
                if (authority.Length > 0 && authority != "localhost")
                    return null;
                path = slash < 0 ? "" : path[slash..];
            }
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            if (query >= 0)
            {
                foreach (var pair in rest[(query + 1)..].Split('&'))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals > 0)
                        parameters[Uri.UnescapeDataString(pair[..equals])] = Uri.UnescapeDataString(pair[(equals + 1)..]);
                }
            }
            path = Uri.UnescapeDataString(path);
            var mode = parameters.GetValueOrDefault("mode");
            var shared = parameters.GetValueOrDefault("cache") == "shared" || parameters.GetValueOrDefault("vfs") == "memdb";
            return new SqliteUri(path, mode == "memory" || path is "" or ":memory:", mode == "ro", shared);
        }
    }
}
