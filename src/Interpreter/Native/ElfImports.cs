using System.Buffers.Binary;
using System.Text;

namespace PluginHost.Interpreter.Native;

/// <summary>
/// Where a loaded ELF64 shared library keeps the address it calls one of its own exported functions through (its
/// <c>R_X86_64_JUMP_SLOT</c> entry in the GOT): a library built without <c>-Bsymbolic</c> calls even its own exports
/// through these, so one slot replaced redirects every internal call of that function. Read from the library's file.
/// </summary>
internal static class ElfImports
{
    private const uint JumpSlotType = 7;   // R_X86_64_JUMP_SLOT

    /// <summary>
    /// The runtime address of <paramref name="function"/>'s jump slot in the library at <paramref name="path"/>, loaded
    /// so that its export <paramref name="anchor"/> is at <paramref name="anchorAddress"/>; 0 when the library has no such
    /// slot (the function is gone, or called directly) or is not an ELF64 little-endian file.
    /// </summary>
    internal static nint JumpSlot(string path, string function, string anchor, nint anchorAddress)
    {
        var file = File.ReadAllBytes(path);
        if (file.Length < 64 || BinaryPrimitives.ReadUInt32BigEndian(file) != 0x7F454C46 || file[4] != 2 || file[5] != 1)
            return 0;
        var sections = ReadSections(file);
        if (!sections.TryGetValue(".dynsym", out var dynsym) || !sections.TryGetValue(".dynstr", out var dynstr)
            || !sections.TryGetValue(".rela.plt", out var relocations))
            return 0;

        var anchorValue = SymbolValue(file, dynsym, dynstr, anchor);
        if (anchorValue is null)
            return 0;
        var loadBase = anchorAddress - (nint)anchorValue.Value;

        for (var at = relocations.Offset; at + 24 <= relocations.Offset + relocations.Size; at += 24)
        {
            var info = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at + 8));
            if ((uint)info != JumpSlotType)
                continue;
            var symbol = dynsym.Offset + (int)(info >> 32) * 24;
            if (Name(file, dynstr, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(symbol))) == function)
                return loadBase + (nint)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at));
        }
        return 0;
    }

    private readonly record struct Section(int Offset, int Size);

    private static Dictionary<string, Section> ReadSections(byte[] file)
    {
        var table = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0x28));
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x3A));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x3C));
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x3E));
        Section At(int i) => new(
            (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(table + i * entrySize + 0x18)),
            (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(table + i * entrySize + 0x20)));
        var names = At(namesIndex);
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(table + i * entrySize));
            sections.TryAdd(Name(file, names, name), At(i));
        }
        return sections;
    }

    private static ulong? SymbolValue(byte[] file, Section dynsym, Section dynstr, string name)
    {
        for (var at = dynsym.Offset; at + 24 <= dynsym.Offset + dynsym.Size; at += 24)
        {
            var value = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at + 8));
            if (value != 0 && Name(file, dynstr, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at))) == name)
                return value;
        }
        return null;
    }

    private static string Name(byte[] file, Section strings, uint offset)
    {
        var start = strings.Offset + (int)offset;
        var end = Array.IndexOf(file, (byte)0, start);
        return Encoding.ASCII.GetString(file, start, end - start);
    }
}
