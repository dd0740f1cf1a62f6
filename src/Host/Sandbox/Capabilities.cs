using System.Globalization;
using PluginHost.Host.Sandbox.Native;

namespace PluginHost.Host.Sandbox;

/// <summary>The calling thread's Linux capabilities: asking for one, and giving them all up for good.</summary>
internal static class Capabilities
{
    /// <summary>Whether <paramref name="capability"/> is in the calling thread's effective set.</summary>
    public static bool HasEffective(int capability) => (Kernel.GetCapabilities().Effective & (1UL << capability)) != 0;

    /// <summary>
    /// Empties the calling thread's effective, permitted, inheritable and ambient sets and, when it may (CAP_SETPCAP),
    /// its bounding set. With no_new_privs set as well, nothing comes back at execve — not even for root, whose
    /// capabilities at execve come from the bounding set and are capped by the permitted set it had (capabilities(7)).
    /// Only this thread, and what it starts or executes afterwards, is affected.
    /// </summary>
    public static void DropAll()
    {
        if (HasEffective(Kernel.CAP_SETPCAP))
        {
            for (var capability = 0; capability <= LastCapability(); capability++)
            {
                if (Kernel.InBoundingSet(capability))
                    Kernel.DropFromBoundingSet(capability);
            }
        }
        Kernel.ClearAmbientCapabilities();
        Kernel.ClearCapabilities();
    }

    // The highest capability this kernel knows (40 on 6.x); 63 when /proc does not say, and unknown ones read as absent.
    private static int LastCapability()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 63;
        }
    }
}
