using System.Runtime.InteropServices;
using System.Text;

namespace PluginHost.Interpreter.Native;

// Calls that never throw: a failure is cleared and becomes null. For describing an exception, where a failing call must
// not raise another exception to describe (a __str__ that raises, a broken attribute): that recursed until the stack
// overflowed.
internal static unsafe partial class Interop
{
    /// <summary>New reference, or NULL when there is none; never raises.</summary>
    [LibraryImport(Library)]
    private static partial nint PyException_GetTraceback(nint exc);

    /// <summary>New reference, or NULL when there is none; never raises.</summary>
    [LibraryImport(Library)]
    private static partial nint PyException_GetCause(nint exc);

    /// <summary>New reference, or NULL when there is none; never raises.</summary>
    [LibraryImport(Library)]
    private static partial nint PyException_GetContext(nint exc);

    internal static NewRef QuietTraceback(nint exc) => new(PyException_GetTraceback(exc));

    internal static NewRef QuietCause(nint exc) => new(PyException_GetCause(exc));

    internal static NewRef QuietContext(nint exc) => new(PyException_GetContext(exc));

    /// <summary>o.name as a new reference, or a null one (the error cleared).</summary>
    internal static NewRef QuietAttr(nint o, string name)
    {
        var value = PyObject_GetAttrString(o, name);
        if (value == 0)
            PyErr_Clear();
        return new NewRef(value);
    }

    /// <summary>An int attribute's value, or null (absent, not an int, out of range; the error cleared).</summary>
    internal static long? QuietLongAttr(nint o, string name)
    {
        using var value = QuietAttr(o, name);
        if (value.IsNull || value.Pointer == LibPython.NoneObject)
            return null;
        var n = PyLong_AsLongLong(value.Pointer);
        if (n == -1 && PyErr_Occurred() != 0)
        {
            PyErr_Clear();
            return null;
        }
        return n;
    }

    /// <summary>A str attribute's first <paramref name="max"/> code points, or null (absent, None, not a str).</summary>
    internal static string? QuietStringAttr(nint o, string name, int max)
    {
        using var value = QuietAttr(o, name);
        return value.IsNull ? null : QuietText(value.Pointer, max, out _);
    }

    /// <summary>str(o), its first <paramref name="max"/> code points, or null when str() or the copy fails.</summary>
    internal static string? QuietStr(nint o, int max, out long dropped)
    {
        dropped = 0;
        var text = PyObject_Str(o);
        if (text == 0)
        {
            PyErr_Clear();
            return null;
        }
        try
        {
            return QuietText(text, max, out dropped);
        }
        finally
        {
            DecRef(text);
        }
    }

    /// <summary>The first <paramref name="max"/> code points of a str, or null when <paramref name="o"/> is not one.</summary>
    internal static string? QuietText(nint o, int max, out long dropped)
    {
        dropped = 0;
        var length = PyUnicode_GetLength(o);
        if (length < 0)
        {
            PyErr_Clear();
            return null;
        }
        dropped = Math.Max(0, length - Math.Max(0, max));
        var head = dropped == 0 ? o : PyUnicode_Substring(o, 0, Math.Max(0, max));
        if (head == 0)
        {
            PyErr_Clear();
            return null;
        }
        try
        {
            var p = PyUnicode_AsUTF8AndSize(head, out var size);
            if (p == null)
            {
                PyErr_Clear();   // a lone surrogate has no UTF-8 form
                return null;
            }
            return Encoding.UTF8.GetString(p, checked((int)size));
        }
        finally
        {
            if (head != o)
                DecRef(head);
        }
    }

    /// <summary>bool(o), false when it fails.</summary>
    internal static bool QuietIsTrue(nint o)
    {
        var result = PyObject_IsTrue(o);
        if (result < 0)
            PyErr_Clear();
        return result == 1;
    }

    /// <summary>The str items of a list (others skipped), at most <paramref name="max"/> of them; empty when it is not a list.</summary>
    internal static List<string> QuietStringList(nint list, int max)
    {
        var items = new List<string>();
        var size = PyList_Size(list);
        if (size < 0)
        {
            PyErr_Clear();
            return items;
        }
        for (nint i = 0; i < size && items.Count < max; i++)
        {
            var item = PyList_GetItem(list, i);
            if (item == 0)
            {
                PyErr_Clear();
                break;
            }
            if (QuietText(item, 64 * 1024, out _) is { } text)
                items.Add(text);
        }
        return items;
    }

    /// <summary>The name of a type, qualified by its module unless builtins; null when unreadable.</summary>
    internal static string? QuietTypeName(nint type)
    {
        var name = PyType_GetName(type);
        if (name == 0)
        {
            PyErr_Clear();
            return null;
        }
        var text = QuietText(name, 1024, out _);
        DecRef(name);
        var module = QuietStringAttr(type, "__module__", 1024);
        return text is null || module is null or "builtins" ? text : $"{module}.{text}";
    }
}
