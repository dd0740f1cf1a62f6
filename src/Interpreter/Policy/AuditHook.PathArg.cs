using System.Text;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

internal static unsafe partial class AuditHook
{
    /// <summary>A path argument as NUL-terminated bytes (str as UTF-8 or the file system encoding, bytes, path-like).</summary>
    private ref struct PathArg
    {
        private nint _owned;

        public byte* Bytes { get; private set; }

        public int Length { get; private set; }

        public readonly bool IsPath => Bytes != null;

        public readonly string Text => Bytes == null ? "" : Encoding.UTF8.GetString(Bytes, Length);

        public static PathArg Cwd()
        {
            var dot = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference("."u8));
            return new PathArg { Bytes = dot, Length = 1 };
        }

        public static PathArg From(nint o)
        {
            var arg = new PathArg();
            if (o == 0 || o == LibPython.NoneObject || Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_LONG_SUBCLASS))
                return arg;
            if (!Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_UNICODE_SUBCLASS) && !Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_BYTES_SUBCLASS))
            {
                var converted = Interop.NoThrow.PyOS_FSPath(o);
                if (converted == 0)
                {
                    Interop.NoThrow.PyErr_Clear();
                    return arg;
                }
                arg._owned = converted;
                o = converted;
            }
            if (Interop.HasTypeFlag(o, Interop.Py_TPFLAGS_UNICODE_SUBCLASS))
            {
                var utf8 = Interop.NoThrow.PyUnicode_AsUTF8AndSize(o, out var size);
                if (utf8 != null)
                {
                    arg.Bytes = utf8;
                    arg.Length = (int)size;
                    return arg;
                }
                // Lone surrogates (undecodable file names): the file system encoding with surrogateescape.
                Interop.NoThrow.PyErr_Clear();
                var encoded = Interop.NoThrow.PyUnicode_EncodeFSDefault(o);
                if (encoded == 0)
                {
                    Interop.NoThrow.PyErr_Clear();
                    return arg;
                }
                if (arg._owned != 0)
                    Interop.DecRef(arg._owned);
                arg._owned = encoded;
                o = encoded;
            }
            if (Interop.NoThrow.PyBytes_AsStringAndSize(o, out var buffer, out var length) != 0)
            {
                Interop.NoThrow.PyErr_Clear();
                return arg;
            }
            arg.Bytes = buffer;
            arg.Length = (int)length;
            return arg;
        }

        public void Dispose()
        {
            if (_owned != 0)
            {
                Interop.DecRef(_owned);
                _owned = 0;
            }
        }
    }
}
