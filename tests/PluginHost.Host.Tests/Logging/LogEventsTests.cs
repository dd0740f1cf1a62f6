using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace PluginHost.Host.Tests.Logging;

/// <summary>
/// The event ids operators filter on: each assembly's log lines are the [LoggerMessage] methods of its one Log class,
/// each with its own id, named in its LogEvents, inside its range, and listed in docs/logging.md.
/// </summary>
public sealed partial class LogEventsTests
{
    public static TheoryData<Type, Type, int, int> Assemblies => new()
    {
        { typeof(Log), typeof(LogEvents), 1000, 1999 },
        { typeof(PluginHost.Interpreter.Log), typeof(PluginHost.Interpreter.LogEvents), 2000, 2099 },
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void EveryLogMethodHasItsOwnNamedIdInItsAssemblysRange(Type log, Type events, int first, int last)
    {
        var named = Named(events);
        var methods = LogMethods(log.Assembly).ToList();

        Assert.All(methods, m => Assert.Equal(log, m.Method.DeclaringType));   // no log class beside Log
        Assert.Equal(named.Count, named.Values.Distinct().Count());             // no number under two names
        Assert.All(named.Values, id => Assert.InRange(id, first, last));
        // Each method's id is the constant of its name (HealthChangedCore is HealthChanged's level-choosing core), and
        // each constant is used by exactly one method.
        Assert.All(methods, m => Assert.Equal(named[m.Method.Name.Replace("Core", "")], m.Id));
        Assert.Equal(named.Values.Order(), methods.Select(m => m.Id).Order());
    }

    [Fact]
    public void TheDocsListEveryIdByItsName()
    {
        var listed = TableRow().Matches(File.ReadAllText(Repository.Path("docs", "logging.md")))
            .ToDictionary(m => m.Groups["name"].Value, m => int.Parse(m.Groups["id"].Value));
        var named = Named(typeof(LogEvents)).Concat(Named(typeof(PluginHost.Interpreter.LogEvents)));

        Assert.Equal(named.OrderBy(n => n.Value), listed.OrderBy(n => n.Value));
    }

    [Fact]
    public void EveryEventTheOtherDocsCiteExists()
    {
        var ids = Named(typeof(LogEvents)).Values.Concat(Named(typeof(PluginHost.Interpreter.LogEvents)).Values).ToHashSet();
        var cited = Directory.EnumerateFiles(Repository.Path("docs"), "*.md")
            .SelectMany(file => CitedEvent().Matches(File.ReadAllText(file))
                .SelectMany(m => m.Groups["id"].Captures.Select(c => (File: Path.GetFileName(file), Id: int.Parse(c.Value)))))
            .ToList();

        Assert.NotEmpty(cited);
        Assert.All(cited, c => Assert.True(ids.Contains(c.Id), $"{c.File} cites event {c.Id}, which no log line has"));
    }

    private static Dictionary<string, int> Named(Type events) =>
        events.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);

    private static IEnumerable<(MethodInfo Method, int Id)> LogMethods(Assembly assembly) =>
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (method, attribute.EventId);

    [GeneratedRegex(@"^\| (?<id>\d{4}) \| `(?<name>\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    // "event 1011", "events 1320/1321", "events 1313, 1314" (of a range, "events 1700–1719", its first).
    [GeneratedRegex(@"\bevents? (?<id>\d{4})\b(?:(?:/|, | and )(?<id>\d{4})\b)*")]
    private static partial Regex CitedEvent();
}
