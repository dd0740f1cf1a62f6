using PluginHost.Host.Plugins;

namespace PluginHost.Host.Lifecycle.Live;

/// <summary>What a live change does to one plugin.</summary>
internal enum ChangeKind
{
    /// <summary>Newly found or enabled: validated and started.</summary>
    Add,

    /// <summary>Gone from disk and configuration, or disabled: drained and stopped.</summary>
    Remove,

    /// <summary>New code or configuration: new instances start beside the old, then the old drain and stop (rolled back if a new one fails).</summary>
    Replace,

    /// <summary>Only the instance count changed: instances added, or the highest drained and stopped.</summary>
    Scale,

    /// <summary>Its new files cannot load, or the host cannot give it what it needs without a restart: what runs of it keeps serving.</summary>
    Reject,
}

/// <summary>One plugin's part of a live change; <see cref="Next"/> and <see cref="Revision"/> are what it becomes (null for a removal).</summary>
internal sealed record PluginChange(string Plugin, ChangeKind Kind, PluginDescriptor? Next, PluginRevision? Revision, string Why);

/// <summary>Compares what runs with what configuration and the plugin folders now say.</summary>
internal static class LivePlan
{
    /// <param name="running">Each running plugin's descriptor and revision.</param>
    /// <param name="next">Every plugin discovery found now (loadable or not).</param>
    /// <param name="revisionOf">The revision of a loadable descriptor.</param>
    /// <param name="rejected">Per plugin, a revision already tried and rolled back: not tried again until it changes (or when forced).</param>
    public static IReadOnlyList<PluginChange> Compare(
        IReadOnlyDictionary<string, (PluginDescriptor Descriptor, PluginRevision Revision)> running,
        IReadOnlyList<PluginDescriptor> next,
        Func<PluginDescriptor, PluginRevision> revisionOf,
        IReadOnlyDictionary<string, PluginRevision> rejected)
    {
        var changes = new List<PluginChange>();
        var found = next.ToDictionary(d => d.Name, StringComparer.Ordinal);
        foreach (var (name, (descriptor, _)) in running.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!found.TryGetValue(name, out var now))
                changes.Add(new PluginChange(name, ChangeKind.Remove, null, null, $"its folder is gone from {descriptor.Folder}"));
            else if (!now.Enabled)
                changes.Add(new PluginChange(name, ChangeKind.Remove, null, null, "it is disabled (Enabled=false)"));
        }
        foreach (var now in next.Where(d => d.Enabled))
        {
            if (!running.TryGetValue(now.Name, out var was))
            {
                if (now.CanLoad)
                    changes.Add(new PluginChange(now.Name, ChangeKind.Add, now, revisionOf(now), "it is new (or newly enabled)"));
                continue;
            }
            if (!now.CanLoad)
            {
                changes.Add(new PluginChange(now.Name, ChangeKind.Reject, null, null, $"its files cannot be loaded: {now.LoadError ?? "unknown error"}"));
                continue;
            }
            var revision = revisionOf(now);
            if (was.Revision.ChangeTo(revision) is { } why)
            {
                if (rejected.TryGetValue(now.Name, out var failed) && failed.ChangeTo(revision) is null)
                    continue;   // rolled back once already; said then
                changes.Add(new PluginChange(now.Name, ChangeKind.Replace, now, revision, why));
            }
            else if (was.Descriptor.Instances != now.Instances)
            {
                changes.Add(new PluginChange(now.Name, ChangeKind.Scale, now, revision, $"instances {was.Descriptor.Instances} → {now.Instances}"));
            }
        }
        return changes;
    }
}
