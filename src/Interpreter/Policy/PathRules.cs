using System.Runtime.InteropServices;
using System.Text;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Resolves a path the way the kernel will (symlinks, <c>.</c>, <c>..</c>, relative to the working directory or to a
/// directory descriptor) into a caller's buffer, and tests it against directory prefixes — without allocating.
/// </summary>
internal static unsafe class PathRules
{
    internal const int PathMax = 4096;

    /// <summary>
    /// Resolves the NUL-terminated <paramref name="path"/> into <paramref name="output"/> (<see cref="PathMax"/> bytes).
    /// A path that does not exist yet (a file about to be created) resolves through its parent directory. A relative
    /// path with <paramref name="dirFd"/> ≥ 0 is taken relative to that open directory. Returns the length, or -1 when
    /// not even the parent exists (the call will fail by itself). <paramref name="exists"/> says whether the path itself
    /// exists.
    /// </summary>
    internal static int Resolve(byte* path, int length, int dirFd, byte* output) => Resolve(path, length, dirFd, output, out _);

    internal static int Resolve(byte* path, int length, int dirFd, byte* output, out bool exists)
    {
        exists = false;
        if (length <= 0 || length >= PathMax - 32)
            return -1;
        var composed = stackalloc byte[PathMax];
        var input = path;
        if (path[0] != (byte)'/' && dirFd >= 0)
        {
            var prefix = Encoding.ASCII.GetBytes($"/proc/self/fd/{dirFd}/");
            prefix.CopyTo(new Span<byte>(composed, PathMax));
            new ReadOnlySpan<byte>(path, length).CopyTo(new Span<byte>(composed + prefix.Length, PathMax - prefix.Length));
            composed[prefix.Length + length] = 0;
            input = composed;
            length += prefix.Length;
        }
        if (PolicyNative.realpath(input, output) != null)
        {
            exists = true;
            return MemoryMarshal.CreateReadOnlySpanFromNullTerminated(output).Length;
        }

        // Not there (yet): the parent must exist; the last component is appended as written.
        var end = length;
        while (end > 1 && input[end - 1] == (byte)'/')
            end--;
        var slash = new ReadOnlySpan<byte>(input, end).LastIndexOf((byte)'/');
        var parent = stackalloc byte[PathMax];
        ReadOnlySpan<byte> name;
        if (slash < 0)
        {
            parent[0] = (byte)'.';
            parent[1] = 0;
            name = new ReadOnlySpan<byte>(input, end);
        }
        else
        {
            var parentLength = slash == 0 ? 1 : slash;
            new ReadOnlySpan<byte>(input, parentLength).CopyTo(new Span<byte>(parent, PathMax));
            parent[parentLength] = 0;
            name = new ReadOnlySpan<byte>(input + slash + 1, end - slash - 1);
        }
        if (PolicyNative.realpath(parent, output) == null)
            return -1;
        var resolved = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(output).Length;
        if (name.IsEmpty || name.SequenceEqual("."u8))
            return resolved;
        if (name.SequenceEqual(".."u8))
            return -1;
        if (resolved + 1 + name.Length >= PathMax)
            return -1;
        if (resolved > 1)
            output[resolved++] = (byte)'/';
        name.CopyTo(new Span<byte>(output + resolved, PathMax - resolved));
        resolved += name.Length;
        output[resolved] = 0;
        return resolved;
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
        var bytes = Encoding.UTF8.GetBytes(full + "\0");
        var output = stackalloc byte[PathMax];
        fixed (byte* p = bytes)
        {
            var length = Resolve(p, bytes.Length - 1, -1, output);
            if (length > 0)
                return new ReadOnlySpan<byte>(output, length).ToArray();
        }
        var trimmed = full.Length > 1 ? full.TrimEnd('/') : full;
        return Encoding.UTF8.GetBytes(trimmed);
    }

    /// <summary>The directory part of a resolved path, for suggesting a capability.</summary>
    internal static string DirectoryOf(string path) => Path.GetDirectoryName(path) is { Length: > 0 } d ? d : "/";
}
