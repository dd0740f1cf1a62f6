using PluginHost.Interpreter;

namespace PluginHost.Host.Lifecycle;

/// <summary>The process's started CPython runtime, for the services that create interpreters.</summary>
internal interface IRuntimeAccess
{
    PythonRuntime Runtime { get; }
}
