using System.Runtime.InteropServices;
using System.Text;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Resolves a path the way the kernel will (symlinks, <c>.</c>, <c>..</c>, relative to the working directory or to a
/// directory descriptor) into a caller's buffer, and tests it against directory prefixes — without allocating. Fails
/// closed: whenever the real path cannot be established (too long, a symlink loop, an unreadable directory, a
/// descriptor that is not a directory of the file system), the answer is "unknown", which the policy denies.
/// </summary>
internal static unsafe partial class PathRules
{
    /// <summary>The kernel's PATH_MAX, NUL included: longer paths fail with ENAMETOOLONG before any check matters.</summary>
    internal const int PathMax = 4096;

    private const int ENOENT = 2, ENOTDIR = 20;

    /// <summary>
    /// Resolves the <paramref name="length"/> bytes at <paramref name="path"/> into <paramref name="output"/>
    /// (<see cref="PathMax"/> bytes, NUL-terminated). A relative path with <paramref name="dirFd"/> ≥ 0 is taken
    /// relative to that open directory. Components that do not exist yet (a file about to be created) are appended
    /// as written to the real path of the longest existing prefix — unless one of them is <c>..</c>, which cannot be
    /// judged before it exists. Returns the length, or -1 when the real path cannot be established.
    /// <paramref name="exists"/> says whether the whole path exists.
    /// </summary>
    internal static int Resolve(byte* path, int length, int dirFd, byte* output, out bool exists)
    {
        exists = false;
        if (length <= 0 || length >= PathMax || new ReadOnlySpan<byte>(path, length).IndexOf((byte)0) >= 0)
            return -1;
        var input = stackalloc byte[PathMax];
        var inputLength = Compose(path, length, dirFd, input);
        if (inputLength < 0)
            return -1;
        if (LibC.RealPath(input, output) != null)
        {
            exists = true;
            return MemoryMarshal.CreateReadOnlySpanFromNullTerminated(output).Length;
        }
        var error = Marshal.GetLastPInvokeError();
        return error is ENOENT or ENOTDIR ? ResolveMissing(input, inputLength, output) : -1;
    }

    /// <summary>The input as the kernel will walk it: the path itself, or the directory descriptor's path joined to it.</summary>
    private static int Compose(byte* path, int length, int dirFd, byte* input)
    {
        var target = new Span<byte>(input, PathMax);
        if (path[0] == (byte)'/' || dirFd < 0)
        {
            new ReadOnlySpan<byte>(path, length).CopyTo(target);
            input[length] = 0;
            return length;
        }
        var directory = DescriptorPath(dirFd, input);
        if (directory <= 0 || directory + 1 + length >= PathMax)
            return -1;
        input[directory] = (byte)'/';
        new ReadOnlySpan<byte>(path, length).CopyTo(target[(directory + 1)..]);
        input[directory + 1 + length] = 0;
        return directory + 1 + length;
    }

    // The longest prefix that exists, resolved, then the rest as written (it cannot contain symlinks yet).
    private static int ResolveMissing(byte* input, int length, byte* output)
    {
        var whole = new ReadOnlySpan<byte>(input, length);
        var prefix = stackalloc byte[PathMax];
        var end = length;
        while (true)
        {
            var cut = whole[..end].TrimEnd((byte)'/').LastIndexOf((byte)'/');
            if (cut < 0)
            {
                // A relative path whose first component is missing: the rest hangs off the working directory.
                prefix[0] = (byte)'.';
                prefix[1] = 0;
                end = 0;
            }
            else
            {
                end = cut == 0 ? 1 : cut;
                whole[..end].CopyTo(new Span<byte>(prefix, PathMax));
                prefix[end] = 0;
            }
            if (LibC.RealPath(prefix, output) != null)
                break;
            if (Marshal.GetLastPInvokeError() is not (ENOENT or ENOTDIR) || end <= 1)
                return -1;
        }
        var resolved = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(output).Length;
        var first = true;
        foreach (var component in new SpanSplit(whole[end..]))
        {
            if (component.IsEmpty || component.SequenceEqual("."u8))
                continue;
            if (component.SequenceEqual(".."u8) || resolved + 1 + component.Length >= PathMax)
                return -1;
            if (resolved > 1)
                output[resolved++] = (byte)'/';
            component.CopyTo(new Span<byte>(output + resolved, PathMax - resolved));
            resolved += component.Length;
            output[resolved] = 0;
            // The first missing component may be a symlink to nowhere, which the kernel would follow (O_CREAT
            // creates its target): its real path is not known, so it is not judged as written.
            if (first && IsSymlink(output))
                return -1;
            first = false;
        }
        output[resolved] = 0;
        return resolved;
    }

    private static bool IsSymlink(byte* path)
    {
        var target = stackalloc byte[8];
        return LibC.ReadLink(path, target, 8) >= 0;
    }

    /// <summary>
    /// What an open descriptor refers to, as the kernel names it (<c>/proc/self/fd/N</c>), into <paramref name="output"/>:
    /// the length of an absolute path (a deleted file's " (deleted)" suffix removed); 0 when it is not a file system
    /// path (a pipe, a socket, an anonymous inode) or not open; -1 when it cannot be read.
    /// </summary>
    internal static int DescriptorPath(long fd, byte* output)
    {
        if (fd < 0 || fd > int.MaxValue)
            return 0;
        var link = stackalloc byte[32];
        var name = Encoding.ASCII.GetBytes($"/proc/self/fd/{fd}\0");
        name.CopyTo(new Span<byte>(link, 32));
        var length = (int)LibC.ReadLink(link, output, PathMax - 1);
        if (length < 0)
            return Marshal.GetLastPInvokeError() == ENOENT ? 0 : -1;
        if (length == 0 || output[0] != (byte)'/')
            return 0;
        var text = new ReadOnlySpan<byte>(output, length);
        if (text.EndsWith(" (deleted)"u8))
            length -= " (deleted)"u8.Length;
        output[length] = 0;
        return length;
    }

    /// <summary>Whether <paramref name="path"/> is one of <paramref name="directories"/> or inside one.</summary>
    internal static bool Under(ReadOnlySpan<byte> path, byte[][] directories)
    {
        foreach (var directory in directories)
        {
            if (path.StartsWith(directory)
                && (path.Length == directory.Length || directory[^1] == (byte)'/' || path[directory.Length] == (byte)'/'))
                return true;
        }
        return false;
    }

    /// <summary>A configured directory as the kernel sees it (symlinks resolved when it exists), UTF-8, no trailing slash.</summary>
    internal static byte[] Normalize(string directory)
    {
        var full = Path.GetFullPath(directory);
        var bytes = Encoding.UTF8.GetBytes(full);
        var output = stackalloc byte[PathMax];
        fixed (byte* p = bytes)
        {
            var length = Resolve(p, bytes.Length, -1, output, out _);
            if (length > 0)
                return new ReadOnlySpan<byte>(output, length).ToArray();
        }
        var trimmed = full.Length > 1 ? full.TrimEnd('/') : full;
        return Encoding.UTF8.GetBytes(trimmed);
    }

    /// <summary>The directory part of a resolved path, for suggesting a capability.</summary>
    internal static string DirectoryOf(string path) => Path.GetDirectoryName(path) is { Length: > 0 } d ? d : "/";

    /// <summary>The components of a path between slashes, without allocating.</summary>
    private ref struct SpanSplit(ReadOnlySpan<byte> rest)
    {
        private ReadOnlySpan<byte> _rest = rest;

        public ReadOnlySpan<byte> Current { get; private set; }

        public readonly SpanSplit GetEnumerator() => this;

        public bool MoveNext()
        {
            while (!_rest.IsEmpty && _rest[0] == (byte)'/')
                _rest = _rest[1..];
            if (_rest.IsEmpty)
                return false;
            var slash = _rest.IndexOf((byte)'/');
            Current = slash < 0 ? _rest : _rest[..slash];
            _rest = slash < 0 ? default : _rest[slash..];
            return true;
        }
    }
}
