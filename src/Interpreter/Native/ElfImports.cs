using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PluginHost.Interpreter.Native;

/// <summary>
/// Where a loaded ELF64 shared library keeps the address it calls one of its own exported functions through (its
/// <c>R_X86_64_JUMP_SLOT</c> entry in the GOT): a library built without <c>-Bsymbolic</c> calls even its own exports
/// through these, so one slot replaced redirects every internal call of that function. Read from the library's file:
/// its section table and three sections (a few hundred KiB of a libpython of 30 MiB with debug information).
/// </summary>
internal static class ElfImports
{
    private const uint JumpSlotType = 7;   // R_X86_64_JUMP_SLOT
    private const int SymbolSize = 24, RelocationSize = 24;   // Elf64_Sym, Elf64_Rela

    /// <summary>
    /// The runtime address of <paramref name="function"/>'s jump slot in the library at <paramref name="path"/>, loaded
    /// so that its export <paramref name="anchor"/> is at <paramref name="anchorAddress"/>; 0 when the library has no such
    /// slot (the function is gone, or called directly) or is not an ELF64 little-endian file.
    /// </summary>
    internal static nint JumpSlot(string path, string function, string anchor, nint anchorAddress)
    {
        using var file = File.OpenHandle(path);
        var header = Read(file, 0, 64);
        if (header.Length < 64 || BinaryPrimitives.ReadUInt32BigEndian(header) != 0x7F454C46 || header[4] != 2 || header[5] != 1)
            return 0;
        var sections = ReadSections(file, header);
        if (!sections.TryGetValue(".dynsym", out var dynsymAt) || !sections.TryGetValue(".dynstr", out var dynstrAt)
            || !sections.TryGetValue(".rela.plt", out var relocationsAt))
            return 0;
        var dynsym = Read(file, dynsymAt);
        var dynstr = Read(file, dynstrAt);
        var relocations = Read(file, relocationsAt);

        var anchorValue = SymbolValue(dynsym, dynstr, anchor);
        if (anchorValue is null)
            return 0;
        var loadBase = anchorAddress - (nint)anchorValue.Value;

        for (var at = 0; at + RelocationSize <= relocations.Length; at += RelocationSize)
        {
            var info = BinaryPrimitives.ReadUInt64LittleEndian(relocations.AsSpan(at + 8));
            var symbol = (int)(info >> 32) * SymbolSize;
            if ((uint)info == JumpSlotType && symbol + SymbolSize <= dynsym.Length
                && Name(dynstr, BinaryPrimitives.ReadUInt32LittleEndian(dynsym.AsSpan(symbol))) == function)
                return loadBase + (nint)BinaryPrimitives.ReadUInt64LittleEndian(relocations.AsSpan(at));
        }
        return 0;
    }

    private readonly record struct Section(long Offset, int Size);

    private static Dictionary<string, Section> ReadSections(SafeFileHandle file, byte[] header)
    {
        var table = (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(0x28));
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3A));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3C));
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3E));
        var entries = Read(file, new Section(table, entrySize * count));
        Section At(int i) => new(
            (long)BinaryPrimitives.ReadUInt64LittleEndian(entries.AsSpan(i * entrySize + 0x18)),
            (int)BinaryPrimitives.ReadUInt64LittleEndian(entries.AsSpan(i * entrySize + 0x20)));
        var names = Read(file, At(namesIndex));
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
            sections.TryAdd(Name(names, BinaryPrimitives.ReadUInt32LittleEndian(entries.AsSpan(i * entrySize))), At(i));
        return sections;
    }

    private static byte[] Read(SafeFileHandle file, long offset, int size) => Read(file, new Section(offset, size));

    private static byte[] Read(SafeFileHandle file, Section section)
    {
        var bytes = new byte[section.Size];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(file, bytes.AsSpan(read), section.Offset + read);
            if (n == 0)
                return bytes[..read];   // past the end: what there is
            read += n;
        }
        return bytes;
    }

    private static ulong? SymbolValue(byte[] dynsym, byte[] dynstr, string name)
    {
        for (var at = 0; at + SymbolSize <= dynsym.Length; at += SymbolSize)
        {
            var value = BinaryPrimitives.ReadUInt64LittleEndian(dynsym.AsSpan(at + 8));
            if (value != 0 && Name(dynstr, BinaryPrimitives.ReadUInt32LittleEndian(dynsym.AsSpan(at))) == name)
                return value;
        }
        return null;
    }

    private static string Name(byte[] strings, uint offset)
    {
        if (offset >= strings.Length)
            return "";
        var end = Array.IndexOf(strings, (byte)0, (int)offset);
        return Encoding.ASCII.GetString(strings, (int)offset, (end < 0 ? strings.Length : end) - (int)offset);
    }
}
