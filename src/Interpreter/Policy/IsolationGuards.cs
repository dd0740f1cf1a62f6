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

    // guards.py compiled once per process and loaded marshalled by every governed interpreter (compiling it costs
    // ~4 ms per interpreter; loading the bytes ~0.1 ms).
    private static readonly HostCode Code = new(ReadSource(), FileName);

    internal static void Install(InterpreterPolicy policy)
    {
        using var globals = Interop.NewDict();
        using var builtins = Interop.Import("builtins");
        Interop.DictSet(globals.Borrow(), "__builtins__", builtins.Borrow());
        Code.Run(globals.Borrow());
        var owner = JsonSerializer.Serialize(policy.Owner);
        var granted = JsonSerializer.Serialize(CapabilityNames.Each(policy.Granted).ToArray());
        using var _ = Interop.Evaluate($"_pluginhost_isolate({owner}, {granted})\n", FileName, Interop.Py_file_input, globals.Borrow());
    }

    private static string ReadSource()
    {
        using var stream = typeof(IsolationGuards).Assembly.GetManifestResourceStream("PluginHost.Interpreter.Policy.guards.py")
            ?? throw new InvalidOperationException("guards.py is not embedded in the interpreter assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
