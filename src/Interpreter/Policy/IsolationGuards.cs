using System.Text.Json;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Runs guards.py in a freshly created interpreter that has a policy, before any other code runs in it: guards for the
/// facilities CPython does not audit, the interpreter's own <c>os.environ</c>, and the explanation for refused
/// single-phase-init extension modules. Needs the interpreter attached.
/// </summary>
internal static class IsolationGuards
{
    private const string FileName = "<pluginhost-isolation>";

    private static readonly string Source = ReadSource();

    // guards.py compiled once and marshalled (compiling it costs ~4 ms per interpreter; loading the bytes ~0.1 ms).
    // Process-wide like the library it was compiled by; bytes, not a code object, so no interpreter's object is shared.
    private static byte[]? s_marshalled;

    internal static void Install(InterpreterPolicy policy)
    {
        using var globals = Interop.NewDict();
        using var builtins = Interop.Import("builtins");
        Interop.DictSet(globals.Borrow(), "__builtins__", builtins.Borrow());
        var marshalled = Volatile.Read(ref s_marshalled);
        if (marshalled is null)
        {
            using var source = Interop.NewString(Source);
            Interop.DictSet(globals.Borrow(), "_source", source.Borrow());
            using var dumped = Interop.Evaluate($"__import__('marshal').dumps(compile(_source, '{FileName}', 'exec'))", FileName, Interop.Py_eval_input, globals.Borrow());
            marshalled = (byte[])PyConvert.FromPython(dumped.Borrow())!;
            Volatile.Write(ref s_marshalled, marshalled);
        }
        using var code = Interop.NewBytes(marshalled);
        Interop.DictSet(globals.Borrow(), "_code", code.Borrow());
        var owner = JsonSerializer.Serialize(policy.Owner);
        var granted = JsonSerializer.Serialize(CapabilityNames.Each(policy.Granted).ToArray());
        using var _ = Interop.Evaluate($"exec(__import__('marshal').loads(_code), globals())\n_pluginhost_isolate({owner}, {granted})\n", FileName, Interop.Py_file_input, globals.Borrow());
    }

    private static string ReadSource()
    {
        using var stream = typeof(IsolationGuards).Assembly.GetManifestResourceStream("PluginHost.Interpreter.Policy.guards.py")
            ?? throw new InvalidOperationException("guards.py is not embedded in the interpreter assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
