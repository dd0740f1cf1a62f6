using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using PluginHost.Sdk.HostFunctions;

namespace TextTools;

/// <summary>
/// text-tools' host functions. The host builds one instance for the plugin (constructor services from its
/// container) and calls it from every instance's interpreter thread, so it keeps no mutable state.
/// </summary>
public sealed partial class TextFunctions(ILogger<TextFunctions> logger) : IHostFunctions
{
    /// <summary>Word, sentence and line counts, reading time at 230 words a minute, and the most frequent words.</summary>
    [HostFunction("text.stats")]
    public TextStats Stats(StatsRequest request, HostCall call)
    {
        var words = Words().Matches(request.Text).Select(m => m.Value.ToLowerInvariant()).ToList();
        var top = words
            .GroupBy(w => w)
            .Select(g => new WordCount(g.Key, g.Count()))
            .OrderByDescending(w => w.Count).ThenBy(w => w.Word, StringComparer.Ordinal)
            .Take(Math.Clamp(request.Top, 0, 100))
            .ToList();
        logger.LogDebug("{Plugin}/{Instance}: {Words} words", call.Plugin, call.Instance, words.Count);
        return new TextStats(
            words.Count,
            words.Distinct().Count(),
            Sentences().Count(request.Text),
            request.Text.Length == 0 ? 0 : request.Text.Count(c => c == '\n') + 1,
            request.Text.Length,
            Math.Round(words.Count / 230.0, 1),
            top);
    }

    /// <summary>A lowercase ASCII slug for URLs and file names: "Sales Report — Q3!" → "sales-report-q3".</summary>
    [HostFunction("text.slug")]
    public string Slug(string text)
    {
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
                slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-')
                slug.Append('-');
        }
        return slug.ToString().TrimEnd('-');
    }

    [GeneratedRegex(@"\p{L}[\p{L}\p{Mn}\p{Nd}'’-]*")]
    private static partial Regex Words();

    [GeneratedRegex(@"[.!?]+(\s|$)")]
    private static partial Regex Sentences();
}

/// <summary>What to analyse; JSON <c>{"text": "...", "top": 5}</c>.</summary>
public sealed record StatsRequest(string Text, int Top = 5);

public sealed record WordCount(string Word, int Count);

public sealed record TextStats(int Words, int DistinctWords, int Sentences, int Lines, int Characters, double ReadingMinutes, IReadOnlyList<WordCount> Top);
