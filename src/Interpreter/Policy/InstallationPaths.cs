using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>Where the loaded CPython keeps its standard library, asked of the main interpreter once after initialisation.</summary>
internal static class InstallationPaths
{
    /// <summary>
    /// The standard library's directories (always readable by a governed interpreter) and the directories of its
    /// extension modules (<c>lib-dynload</c>: the only place a governed interpreter loads native code from without the
    /// capability <c>native-code</c>). Needs the main interpreter attached.
    /// </summary>
    internal static (string[] Stdlib, string[] Native) Read()
    {
        const string Query = "(lambda sys, os: ([os.path.dirname(os.__file__)] + [p for p in sys.path if p.endswith('.zip')], [p for p in sys.path if p.rstrip('/').endswith('lib-dynload')]))(__import__('sys'), __import__('os'))";
        using var result = Interop.Evaluate(Query, "<pluginhost-paths>", Interop.Py_eval_input, Interop.MainModuleDict());
        var pair = (object?[])PyConvert.FromPython(result.Borrow())!;
        return (Strings(pair[0]), Strings(pair[1]));
    }

    /// <summary>The marshalled code of the frozen modules compiled into libpython. Needs the main interpreter attached.</summary>
    internal static IEnumerable<byte[]> FrozenModules()
    {
        const string Query = "(lambda imp: [bytes(f[0]) for f in (imp.find_frozen(n, withdata=True) for n in imp._frozen_module_names()) if f and f[0] is not None])(__import__('_imp'))";
        using var result = Interop.Evaluate(Query, "<pluginhost-frozen>", Interop.Py_eval_input, Interop.MainModuleDict());
        return ((IEnumerable<object?>)PyConvert.FromPython(result.Borrow())!).OfType<byte[]>();
    }

    private static string[] Strings(object? list) => [.. ((IEnumerable<object?>)list!).OfType<string>().Where(p => p.Length > 0)];
}
