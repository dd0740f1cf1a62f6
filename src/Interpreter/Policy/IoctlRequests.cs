namespace PluginHost.Interpreter.Policy;

/// <summary>
/// The <c>ioctl</c> requests a plugin may make (x86-64 Linux numbers). Everything else — terminal control
/// (TIOCSCTTY, TIOCSTI, TIOCCONS), network configuration (SIOCSIF*), device control — is native code.
/// </summary>
internal static class IoctlRequests
{
    /// <summary>Reading a descriptor's state, and setting up the plugin's own terminals and descriptors.</summary>
    internal static readonly HashSet<long> Harmless =
    [
        0x5401, 0x5402, 0x5403, 0x5404,                     // TCGETS, TCSETS, TCSETSW, TCSETSF (termios)
        0x5405, 0x5406, 0x5407, 0x5408,                     // TCGETA, TCSETA, TCSETAW, TCSETAF
        0x5409, 0x540A, 0x540B,                             // TCSBRK, TCXONC, TCFLSH
        0x540F,                                             // TIOCGPGRP
        0x5411,                                             // TIOCOUTQ (SIOCOUTQ)
        0x5413, 0x5414,                                     // TIOCGWINSZ, TIOCSWINSZ
        0x5415, 0x5416, 0x5417, 0x5418,                     // TIOCMGET, TIOCMBIS, TIOCMBIC, TIOCMSET
        0x541B,                                             // FIONREAD (SIOCINQ)
        0x5421,                                             // FIONBIO
        0x5429,                                             // TIOCGSID
        0x802C542A, 0x402C542B, 0x402C542C, 0x402C542D,     // TCGETS2, TCSETS2, TCSETSW2, TCSETSF2
        0x80045430, 0x40045431, 0x80045439, 0x5441,         // TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, TIOCGPTPEER
        0x5450, 0x5451, 0x5452, 0x5460,                     // FIONCLEX, FIOCLEX, FIOASYNC, FIOQSIZE
        0x80086601, 0x80087601,                             // FS_IOC_GETFLAGS, FS_IOC_GETVERSION
        0x2, 0x80081272, 0x1268,                            // FIGETBSZ, BLKGETSIZE64, BLKSSZGET
        0x8905, 0x8906, 0x8907,                             // SIOCATMARK, SIOCGSTAMP, SIOCGSTAMPNS
    ];

    /// <summary>Reading the machine's network interfaces: <c>network</c>.</summary>
    internal static readonly HashSet<long> NetworkReads =
    [
        0x8910, 0x8912, 0x8913, 0x8915, 0x8917, 0x8919,     // SIOCGIFNAME, SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR
        0x891B, 0x891D, 0x891F, 0x8921, 0x8927, 0x8933,     // SIOCGIFNETMASK, SIOCGIFMETRIC, SIOCGIFMEM, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX
        0x8938, 0x8942,                                     // SIOCGIFCOUNT, SIOCGIFTXQLEN
    ];
}
