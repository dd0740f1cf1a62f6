using System.Runtime.InteropServices;
using PluginHost.Interpreter.Contract;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

// call: Python → a .NET host function. The payload is encoded with the GIL held (it reads Python objects); the
// binding runs the function and the module waits for its result with the GIL released, so a slow or async function
// holds up neither the plugin's other threads nor, ever, another interpreter.
internal static unsafe partial class SdkModule
{
    private static readonly string[] CallArgs = ["name", "payload", "timeout"];

    private const int HostCallMethodCount = 1;

    private static void AddHostCallMethods(PyMethodDef* methods)
    {
        methods[0] = Method("call", (delegate* unmanaged<nint, nint*, nint, nint, nint>)&Call, Interop.METH_FASTCALL | Interop.METH_KEYWORDS,
            "call(name, payload=None, *, timeout=None) -> Any\n\nCalls the .NET host function name with a copy of payload (bytes, str or a JSON value) and returns its result.");
    }

    [UnmanagedCallersOnly]
    private static nint Call(nint module, nint* args, nint nargs, nint kwnames)
    {
        ModuleState* state = null;
        try
        {
            Span<nint> a = stackalloc nint[CallArgs.Length];
            FastCallArgs.Parse("call", args, nargs, kwnames, CallArgs, 1, a);
            state = State(module);
            var name = FastCallArgs.String("call", "name", a[0]);
            var (bytes, contentType) = PayloadCodec.Encode(state, new BorrowedRef(a[1] != 0 ? a[1] : LibPython.NoneObject));
            var timeout = FastCallArgs.Seconds("call", "timeout", a[2]);
            var result = CallWithoutGil(state->RequireBinding(), name, new HostPayload(bytes, contentType), timeout);
            return PayloadCodec.Decode(state, result.Bytes.Span, result.ContentType).Steal();
        }
        catch (HostFunctionException e) when (state != null && state->HostFunctionError != 0)
        {
            return Firewall.Null(e, state->HostFunctionError);
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    /// <summary>Runs the binding's call and waits for it with this thread's GIL released; exceptions come back with the GIL held.</summary>
    private static HostPayload CallWithoutGil(IPluginBinding binding, string name, HostPayload argument, TimeSpan? timeout)
    {
        using var released = Gil.Release();
        try
        {
            return binding.Call(name, argument, timeout).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not (PythonError or HostFunctionException))
        {
            throw PythonError.FromHost(e);
        }
    }
}
