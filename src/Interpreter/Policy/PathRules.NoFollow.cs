namespace PluginHost.Interpreter.Policy;

internal static unsafe partial class PathRules
{
    /// <summary>
    /// As <see cref="Resolve"/>, but the last component is taken as written, not followed: what <c>unlink</c>,
    /// <c>rmdir</c> and <c>rename</c> act on is the name itself (a symlink, not its target), so a link a plugin made in
    /// its own folder is its to remove whatever it points at. The directories above it are resolved as the kernel
    /// walks them. A path ending in <c>/</c>, <c>.</c> or <c>..</c> makes the kernel follow: resolved as
    /// <see cref="Resolve"/> does. Returns the length, or -1 when the real path cannot be established.
    /// </summary>
    internal static int ResolveName(byte* path, int length, int dirFd, byte* output)
    {
        if (length <= 0 || length >= PathMax)
            return -1;
        var whole = new ReadOnlySpan<byte>(path, length);
        var cut = whole.LastIndexOf((byte)'/');
        var name = whole[(cut + 1)..];
        if (name.IsEmpty || name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
            return Resolve(path, length, dirFd, output, out _);
        var parent = stackalloc byte[2];
        int resolved;
        if (cut < 0)
        {
            parent[0] = (byte)'.';
            resolved = Resolve(parent, 1, dirFd, output, out _);
        }
        else if (cut == 0)
        {
            parent[0] = (byte)'/';
            resolved = Resolve(parent, 1, -1, output, out _);
        }
        else
        {
            resolved = Resolve(path, cut, dirFd, output, out _);
        }
        if (resolved <= 0 || resolved + 1 + name.Length >= PathMax)
            return -1;
        if (resolved > 1)
            output[resolved++] = (byte)'/';
        name.CopyTo(new Span<byte>(output + resolved, PathMax - resolved));
        resolved += name.Length;
        output[resolved] = 0;
        return resolved;
    }
}
