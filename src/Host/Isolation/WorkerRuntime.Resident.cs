using PluginHost.Host.Sandbox;

namespace PluginHost.Host.Isolation;

// The worker's resident memory, read from the host: it needs neither the channel nor the worker's GIL, so a worker
// stuck in C (or allocating in it, where no interpreter figure sees) is measured too.
internal sealed partial class WorkerRuntime
{
    /// <summary>
    /// The worker's own resident pages: anonymous (heaps, malloc, the runtimes' own) and shared memory (RssAnon +
    /// RssShmem in /proc/pid/status) — not the pages of files it maps (libraries, shared with every process mapping
    /// them). Null once the process is gone.
    /// </summary>
    public long? ResidentBytes
    {
        get
        {
            try
            {
                return ReadResident(_process.Id);
            }
            catch (InvalidOperationException)
            {
                return null;   // disposed: ended
            }
        }
    }

    internal static long? ReadResident(int pid)
    {
        string status;
        try
        {
            status = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;   // exited (or reaped) between two samples
        }
        // A zombie has no Rss lines.
        var sizes = ProcessStatus.Sizes(status);
        return sizes.TryGetValue("RssAnon", out var anon) ? anon + sizes.GetValueOrDefault("RssShmem") : null;
    }
}
