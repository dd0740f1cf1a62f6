using System.Numerics;
using System.Security.Cryptography;

namespace PluginHost.Host.Messaging;

/// <summary>
/// Message ids: a random 48-bit process prefix and a 64-bit counter, e.g. <c>3f9a1c07b2e4-1a</c>. Unique within the
/// process and, by the prefix, across processes sharing a transport. Each thread reserves counter values in blocks, so
/// publishers on different interpreter threads do not contend on one counter.
/// </summary>
internal static class MessageIds
{
    private const int Block = 1024;

    private static readonly string Prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private static long _reserved;

    [ThreadStatic] private static long _next;
    [ThreadStatic] private static long _end;

    public static string Next()
    {
        if (_next == _end)
        {
            _end = Interlocked.Add(ref _reserved, Block);
            _next = _end - Block;
        }

        var n = ++_next;
        var digits = (67 - BitOperations.LeadingZeroCount((ulong)n)) / 4;
        return string.Create(Prefix.Length + 1 + digits, n, static (text, value) =>
        {
            Prefix.CopyTo(text);
            text[Prefix.Length] = '-';
            for (var i = text.Length - 1; i > Prefix.Length; i--, value >>= 4)
                text[i] = "0123456789abcdef"[(int)(value & 0xF)];
        });
    }
}
