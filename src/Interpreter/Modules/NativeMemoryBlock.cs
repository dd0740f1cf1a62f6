using System.Runtime.InteropServices;
using System.Text;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// Native memory for the definitions CPython keeps pointers to (names, PyModuleDef, PyMethodDef, PyType_Spec, slot
/// arrays). It must live for the process: it is allocated once and never freed.
/// </summary>
internal static unsafe class NativeMemoryBlock
{
    internal static nint Utf8(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var p = (byte*)NativeMemory.AllocZeroed((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        return (nint)p;
    }

    internal static T* Array<T>(int count) where T : unmanaged => (T*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(T));
}

[StructLayout(LayoutKind.Sequential)]
internal struct PyMethodDef
{
    internal nint Name;
    internal nint Function;
    internal int Flags;
    internal nint Doc;
}

[StructLayout(LayoutKind.Sequential)]
internal struct PyModuleDefSlot
{
    internal int Slot;
    internal nint Value;
}

[StructLayout(LayoutKind.Sequential)]
internal struct PyTypeSlot
{
    internal int Slot;
    internal nint Function;
}

[StructLayout(LayoutKind.Sequential)]
internal struct PyTypeSpec
{
    internal nint Name;
    internal int BasicSize;
    internal int ItemSize;
    internal uint Flags;
    internal nint Slots;
}

[StructLayout(LayoutKind.Sequential)]
internal struct PyGetSetDef
{
    internal nint Name;
    internal nint Get;
    internal nint Set;
    internal nint Doc;
    internal nint Closure;
}

[StructLayout(LayoutKind.Sequential)]
internal struct PyMemberDef
{
    internal nint Name;
    internal int Type;
    internal nint Offset;
    internal int Flags;
    internal nint Doc;
}

/// <summary>PyModuleDef (104 bytes on 64-bit) with its PyModuleDef_Base head.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PyModuleDef
{
    internal nint RefCount;     // immortal, as PyModuleDef_HEAD_INIT makes it
    internal nint Type;         // set by PyModuleDef_Init
    internal nint Init;
    internal nint Index;
    internal nint Copy;
    internal nint Name;
    internal nint Doc;
    internal nint Size;
    internal nint Methods;
    internal nint Slots;
    internal nint Traverse;
    internal nint Clear;
    internal nint Free;
}
