using Microsoft.Extensions.Logging;

namespace PluginHost.Interpreter;

/// <summary>Every log line the interpreter assembly writes (the runtime's start and end), with the ids of <see cref="LogEvents"/>.</summary>
internal static partial class Log
{
    [LoggerMessage(LogEvents.RuntimeStarted, LogLevel.Information, "CPython {Version} from {Library} ({FoundBy})")]
    public static partial void RuntimeStarted(this ILogger logger, string version, string library, string foundBy);

    [LoggerMessage(LogEvents.NoPythonExecutable, LogLevel.Warning, "CPython {Version} has no python executable at {Executable}: sys.executable names it anyway, so subprocess.run([sys.executable, ...]) fails rather than running another Python")]
    public static partial void NoPythonExecutable(this ILogger logger, string version, string executable);

    [LoggerMessage(LogEvents.FinalizeCrashesHere, LogLevel.Warning, "CPython {Version} has gh-119213 (keyword-argument caches shared between interpreters; fixed in 3.12.4): upgrade to 3.12.4+ or 3.13. PluginHost will not run Py_FinalizeEx at exit to avoid the crash it causes.")]
    public static partial void FinalizeCrashesHere(this ILogger logger, string version);

    [LoggerMessage(LogEvents.GuardsMissing, LogLevel.Debug, "Policy guards not installed (not in this CPython): {Functions}")]
    public static partial void GuardsMissing(this ILogger logger, string functions);

    [LoggerMessage(LogEvents.PreloadSkipped, LogLevel.Debug, "Preloading {Module} skipped: {Error}")]
    public static partial void PreloadSkipped(this ILogger logger, string module, string error);

    [LoggerMessage(LogEvents.InterpreterNotEnded, LogLevel.Error, "Interpreter {Id} is left running: {Reason}; CPython is not finalised")]
    public static partial void InterpreterNotEnded(this ILogger logger, long id, string? reason);

    [LoggerMessage(LogEvents.InterpretersLeftAtShutdown, LogLevel.Warning, "{Count} interpreter(s) left running at shutdown; exiting without finalising CPython")]
    public static partial void InterpretersLeftAtShutdown(this ILogger logger, int count);

    [LoggerMessage(LogEvents.FinalizeFailed, LogLevel.Warning, "Py_FinalizeEx returned {Code}: buffered output could not be flushed")]
    public static partial void FinalizeFailed(this ILogger logger, int code);
}
