using System.Collections.Concurrent;
using System.Text;

namespace PluginHost.Interpreter.Modules;

/// <summary>
/// What CPython's regular-expression compiler (<c>re._compiler</c>, pure Python, run again in every interpreter) made
/// of a pattern, kept for the process as plain values — exactly the arguments of <c>_sre.compile</c> — so another
/// interpreter builds the same Pattern without compiling it (SdkModule.Regex). Bounded: patterns over 16 Ki
/// characters and compiled code over 64 Ki words are not kept, and after 4,096 patterns or 4 Mi words of code in all
/// (16 MiB) nothing more is.
/// </summary>
internal static class RegexCache
{
    private const int MaxPatternLength = 16 * 1024;
    private const int MaxCodeLength = 64 * 1024;
    private const int MaxEntries = 4096;
    private const long MaxTotalCode = 4L * 1024 * 1024;

    private static readonly ConcurrentDictionary<(Text Pattern, long Flags), Entry> Entries = new();
    private static int s_count;
    private static long s_totalCode;

    /// <summary>A pattern as a key: a str's text, or a bytes pattern's bytes as Latin-1 (distinct from any str).</summary>
    internal readonly record struct Text(bool Bytes, string Value)
    {
        internal static Text Of(string value) => new(false, value);

        internal static Text Of(ReadOnlySpan<byte> value) => new(true, Encoding.Latin1.GetString(value));

        internal bool Contains(string mark, StringComparison comparison) => Value.Contains(mark, comparison);
    }

    /// <summary>_sre.compile's arguments after the pattern: flags, code, groups - 1, groupindex, indexgroup.</summary>
    internal sealed record Entry(long Flags, uint[] Code, long Groups, Dictionary<string, long> GroupIndex, string?[] IndexGroup)
    {
        /// <summary>From what the compiler made: the code (a list of ints), the group count and the name → number map.</summary>
        internal static Entry From(long flags, object? code, long groups, object? groupDict)
        {
            if (code is not object?[] items || items.Any(i => i is not long word || word < 0 || word > uint.MaxValue) || groupDict is not Dictionary<string, object?> names
                || names.Values.Any(v => v is not long n || n < 1 || n >= groups))
                throw new InvalidOperationException("re's compiler made something other than a list of ints and a dict of group numbers.");
            var indexGroup = new string?[groups];
            foreach (var (name, number) in names)
                indexGroup[(long)number!] = name;
            return new Entry(flags, [.. items.Select(i => (uint)(long)i!)], groups - 1, names.ToDictionary(kv => kv.Key, kv => (long)kv.Value!), indexGroup);
        }
    }

    /// <summary>
    /// The entry for <paramref name="pattern"/> under <paramref name="flags"/>; null when there is none, and
    /// <paramref name="keepable"/> false when none would be kept either (too long, or the cache is full).
    /// </summary>
    internal static Entry? Find(Text pattern, long flags, out bool keepable)
    {
        keepable = false;
        if (pattern.Value.Length > MaxPatternLength)
            return null;
        if (Entries.TryGetValue((pattern, flags), out var entry))
            return entry;
        keepable = Volatile.Read(ref s_count) < MaxEntries && Volatile.Read(ref s_totalCode) < MaxTotalCode;
        return null;
    }

    internal static void Keep(Text pattern, long flags, Entry entry)
    {
        if (pattern.Value.Length > MaxPatternLength || entry.Code.Length > MaxCodeLength
            || Volatile.Read(ref s_count) >= MaxEntries || Volatile.Read(ref s_totalCode) >= MaxTotalCode)
            return;
        if (Entries.TryAdd((pattern, flags), entry))
        {
            Interlocked.Increment(ref s_count);
            Interlocked.Add(ref s_totalCode, entry.Code.Length);
        }
    }
}
