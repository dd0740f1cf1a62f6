namespace PluginHost.Interpreter;

/// <summary>
/// The event id of every log line this assembly writes (<see cref="Log"/>), named for its log method: 2000–2099,
/// apart from the host's 1000–1799 (docs/logging.md). 2000–2009: CPython's start; 2010–2019: its
/// end. A number never changes meaning and a retired one is not reused.
/// </summary>
internal static class LogEvents
{
    public const int RuntimeStarted = 2000;
    public const int NoPythonExecutable = 2001;
    public const int FinalizeCrashesHere = 2002;
    public const int GuardsMissing = 2003;
    public const int PreloadSkipped = 2004;

    public const int InterpreterNotEnded = 2010;
    public const int InterpretersLeftAtShutdown = 2011;
    public const int FinalizeFailed = 2012;
}
