using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>An ILoggerFactory that keeps every record, in order, for assertions.</summary>
internal sealed class CapturedLogs : ILoggerFactory, ILoggerProvider
{
    public ConcurrentQueue<Record> Records { get; } = new();

    public IEnumerable<Record> For(string category) => Records.Where(r => r.Category == category);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    internal sealed record Record(string Category, LogLevel Level, int EventId, string Message);

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Records.Enqueue(new Record(category, logLevel, eventId.Id, formatter(state, exception)));
    }
}
