using PluginHost.Interpreter;

namespace PluginHost.Host.Lifecycle;

/// <summary>
/// Start failures that no restart can heal, so the instance is marked Failed at once with the reason instead of
/// restarting (and logging the same traceback) up to MaxRestarts times. The bootstrap (bootstrap.py,
/// <c>_pluginhost_cannot_heal</c>) knows them where they happen — a SyntaxError in the plugin's own files, a module
/// neither in the standard library nor in the plugin's folder or lib/, an extension that cannot load in a
/// subinterpreter, subscriptions without on_message — and raises <c>pluginhost.CannotStartError</c> with the reason.
/// Capabilities that do not parse are found before Python runs (<see cref="PluginInstance"/>).
/// </summary>
internal static class StartFailures
{
    internal const string CannotStartType = "pluginhost.CannotStartError";

    /// <summary>Why a restart would fail the same way; null when it may not.</summary>
    public static string? CannotHeal(Exception e) =>
        e is PythonException { PythonType: CannotStartType } python ? python.PythonMessage : null;
}
