using System.Collections.Concurrent;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// The standard library's bytecode caches (<c>__pycache__/*.pyc</c>), read once per process: an import of the
/// standard library turns exactly those bytes into code with <c>marshal.loads</c>, and only those bytes may be turned
/// into code without <c>native-code</c> — bytecode from anywhere else is unchecked and can crash the host. A file that
/// changes on disk (a reinstall) is read again: its size and modification time are checked on every use. The frozen
/// modules compiled into libpython (importlib.util, zipimport, ...) are unmarshalled the same way and are trusted too.
/// </summary>
internal sealed class TrustedBytecode
{
    /// <summary>The header before the marshalled code: magic, flags, and the source's mtime and size (or hash).</summary>
    private const int HeaderLength = 16;

    private readonly ConcurrentDictionary<string, Entry> _files = new(StringComparer.Ordinal);
    private Dictionary<int, byte[][]> _frozen = [];

    /// <summary>The frozen modules' marshalled code, read from the main interpreter once after initialisation.</summary>
    internal void SetFrozen(IEnumerable<byte[]> modules) =>
        _frozen = modules.GroupBy(m => m.Length).ToDictionary(g => g.Key, g => g.ToArray());

    /// <summary>Whether <paramref name="code"/> is one of the frozen modules' marshalled code.</summary>
    internal bool IsFrozen(ReadOnlySpan<byte> code)
    {
        if (!_frozen.TryGetValue(code.Length, out var candidates))
            return false;
        foreach (var candidate in candidates)
        {
            if (code.SequenceEqual(candidate))
                return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="code"/> is the marshalled code of the bytecode cache at <paramref name="path"/>.</summary>
    internal bool Matches(string path, ReadOnlySpan<byte> code)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != code.Length + HeaderLength)
                return false;
            var stamp = info.LastWriteTimeUtc.Ticks;
            if (!_files.TryGetValue(path, out var entry) || entry.Stamp != stamp || entry.Code.Length != code.Length)
            {
                var bytes = File.ReadAllBytes(path);
                if (bytes.Length < HeaderLength)
                    return false;
                entry = new Entry(stamp, bytes[HeaderLength..]);
                _files[path] = entry;
            }
            return code.SequenceEqual(entry.Code);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private sealed record Entry(long Stamp, byte[] Code);
}
