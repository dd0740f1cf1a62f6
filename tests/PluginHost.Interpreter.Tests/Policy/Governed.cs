using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>Interpreters under a policy, with a temporary home folder and a listener, for policy tests.</summary>
internal sealed class Governed : IAsyncDisposable
{
    private Governed(SubInterpreter interpreter, RecordingListener listener, string home)
    {
        Interpreter = interpreter;
        Listener = listener;
        Home = home;
    }

    public SubInterpreter Interpreter { get; }

    public RecordingListener Listener { get; }

    /// <summary>The owner's own folder: always readable, never writable without a grant.</summary>
    public string Home { get; }

    public static async Task<Governed> StartAsync(PythonRuntime runtime, Capability granted = Capability.None, string[]? read = null, string[]? write = null, bool report = false)
    {
        var home = Directory.CreateTempSubdirectory("pluginhost-policy-").FullName;
        var listener = new RecordingListener();
        var policy = new InterpreterPolicy
        {
            Owner = "plugin 'test'",
            Granted = granted,
            ReadPaths = read ?? [],
            WritePaths = write ?? [],
            Home = home,
            GrantHint = "add \"{0}\" to capabilities",
            Listener = listener,
            ReportAllowed = report,
        };
        return new Governed(await runtime.CreateInterpreterAsync(policy: policy), listener, home);
    }

    /// <summary>Runs <paramref name="source"/> and returns "ok" or "TypeName: message" of what it raised.</summary>
    public async Task<string> TryAsync(string source)
    {
        const string Wrapper = """
            def _try(source):
                try:
                    exec(source, {})
                    return "ok"
                except BaseException as e:
                    return f"{type(e).__name__}: {e}"
            """;
        return (string)(await Interpreter.InvokeAsync(scope =>
        {
            scope.Exec(Wrapper);
            return scope.Call("__main__", "_try", source);
        }))!;
    }

    public async ValueTask DisposeAsync()
    {
        await Interpreter.DisposeAsync();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test over.
        }
    }
}
