using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Modules;

// pluginhost.span and pluginhost.current_trace (the prelude wraps these): a plugin's own spans and the trace it runs
// in. Without a listener _span_start returns 0 at the binding's first check, before the attributes are converted, and
// no Activity is made (docs/observability.md, "Spans of a plugin's own").
internal static unsafe partial class SdkModule
{
    private const int TracingMethodCount = 3;

    private static void AddTracingMethods(PyMethodDef* methods)
    {
        methods[0] = Method("_span_start", (delegate* unmanaged<nint, nint*, nint, nint>)&SpanStart, Interop.METH_FASTCALL,
            "_span_start(name, attributes) -> int\n\nStarts a span (pluginhost.span does); 0 when nothing is recorded.");
        methods[1] = Method("_span_end", (delegate* unmanaged<nint, nint*, nint, nint>)&SpanEnd, Interop.METH_FASTCALL,
            "_span_end(handle, error_type, error_message) -> None\n\nEnds a span _span_start returned.");
        methods[2] = Method("_current_trace", (delegate* unmanaged<nint, nint, nint>)&CurrentTrace, Interop.METH_NOARGS,
            "_current_trace() -> str | None\n\nThe traceparent of the innermost span open now, else the running message's.");
    }

    // Arguments are borrowed from the caller; the result is a new reference (an int, None or a str).
    [UnmanagedCallersOnly]
    private static nint SpanStart(nint module, nint* args, nint nargs)
    {
        try
        {
            if (nargs != 2)
                throw PythonError.Type($"_span_start() takes 2 arguments (name, attributes), {nargs} given");
            var binding = State(module)->RequireBinding();
            if (!binding.Tracing)
                return Interop.NewLong(0).Steal();
            var name = FastCallArgs.String("span", "name", args[0]);
            // The prelude checked the attributes are a dict of str to str, bool, int or float (or None).
            var attributes = PyConvert.FromPython(new BorrowedRef(args[1])) as IReadOnlyDictionary<string, object?>;
            return Interop.NewLong(binding.StartSpan(name, attributes)).Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint SpanEnd(nint module, nint* args, nint nargs)
    {
        try
        {
            if (nargs != 3)
                throw PythonError.Type($"_span_end() takes 3 arguments (handle, error_type, error_message), {nargs} given");
            var handle = Interop.AsLong(new BorrowedRef(args[0])) ?? throw PythonError.Value("_span_end() handle is out of range");
            var errorType = FastCallArgs.OptionalString("_span_end", "error_type", args[1]);
            var errorMessage = FastCallArgs.OptionalString("_span_end", "error_message", args[2]);
            State(module)->RequireBinding().EndSpan(handle, errorType, errorMessage);
            return Interop.NewNone().Steal();
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    [UnmanagedCallersOnly]
    private static nint CurrentTrace(nint module, nint unused)
    {
        try
        {
            var parent = State(module)->RequireBinding().CurrentTraceParent;
            return Optional(TraceIds.Part(parent, trace: true) is null ? null : parent);   // a malformed header is no trace
        }
        catch (Exception e)
        {
            return Firewall.Null(e);
        }
    }

    private static nint Optional(string? value) => (value is null ? Interop.NewNone() : Interop.NewString(value)).Steal();
}
