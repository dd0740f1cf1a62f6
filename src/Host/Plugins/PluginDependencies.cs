namespace PluginHost.Host.Plugins;

/// <summary>
/// The manifests' <c>dependsOn</c>: which plugins cannot start because of their dependencies (a cycle, a name that
/// is not an enabled, valid plugin, or a dependency that itself cannot start), and the order the rest start in.
/// Such a plugin gets a <see cref="PluginDescriptor.LoadError"/>, so the host skips it and list/validate show why;
/// the others are unaffected.
/// </summary>
internal static class PluginDependencies
{
    /// <summary><paramref name="plugins"/> with dependency errors recorded; order kept.</summary>
    public static IReadOnlyList<PluginDescriptor> Check(IReadOnlyList<PluginDescriptor> plugins)
    {
        var byName = ByName(plugins);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var plugin in byName.Values.Where(p => p.CanLoad))
        {
            foreach (var dependency in plugin.Manifest!.DependsOn)
            {
                if (!byName.TryGetValue(dependency, out var target))
                    Add(errors, plugin.Name, $"dependsOn '{dependency}': no plugin of that name is configured");
                else if (!target.Enabled)
                    Add(errors, plugin.Name, $"dependsOn '{dependency}': that plugin is disabled");
            }
        }

        foreach (var cycle in Cycles(byName))
        {
            var path = string.Join(" -> ", cycle.Append(cycle[0]));
            foreach (var name in cycle)
                Add(errors, name, $"dependency cycle: {path}");
        }

        // A plugin whose dependency cannot start cannot start either; repeated until nothing changes (chains).
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var plugin in byName.Values.Where(p => p.CanLoad && !errors.ContainsKey(p.Name)))
            {
                var blocked = plugin.Manifest!.DependsOn.FirstOrDefault(d =>
                    byName.TryGetValue(d, out var target) && (!target.CanLoad || errors.ContainsKey(d)));
                if (blocked is null) continue;
                Add(errors, plugin.Name, $"dependsOn '{blocked}', which cannot start");
                changed = true;
            }
        }

        return [.. plugins.Select(p => p.CanLoad && errors.TryGetValue(p.Name, out var error) ? p with { LoadError = error } : p)];
    }

    /// <summary>
    /// The plugins that can start, in waves: each wave's plugins depend only on plugins of earlier waves, so a wave
    /// starts once the one before it has. Within a wave the order is by name, though nothing promises it.
    /// Call on plugins that went through <see cref="Check"/> (no cycles, no missing dependencies among them).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<PluginDescriptor>> Waves(IReadOnlyList<PluginDescriptor> plugins)
    {
        var startable = ByName(plugins).Values.Where(p => p.CanLoad).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var level = new Dictionary<string, int>(StringComparer.Ordinal);

        int LevelOf(PluginDescriptor plugin)
        {
            if (level.TryGetValue(plugin.Name, out var known)) return known;
            level[plugin.Name] = 0;   // Check left no cycles; this only keeps a bug from recursing for ever
            var deps = plugin.Manifest!.DependsOn.Where(startable.ContainsKey).Select(d => LevelOf(startable[d]) + 1);
            return level[plugin.Name] = deps.DefaultIfEmpty(0).Max();
        }

        return [.. startable.Values
            .GroupBy(LevelOf)
            .OrderBy(g => g.Key)
            .Select(g => (IReadOnlyList<PluginDescriptor>)[.. g.OrderBy(p => p.Name, StringComparer.Ordinal)])];
    }

    // The first descriptor under each name: discovery keeps the one that claimed the name ahead of its duplicates.
    private static Dictionary<string, PluginDescriptor> ByName(IReadOnlyList<PluginDescriptor> plugins)
    {
        var byName = new Dictionary<string, PluginDescriptor>(StringComparer.Ordinal);
        foreach (var plugin in plugins)
            byName.TryAdd(plugin.Name, plugin);
        return byName;
    }

    // Each cycle among loadable plugins once, as the names along it (depth-first search, grey = on the current path).
    private static List<List<string>> Cycles(Dictionary<string, PluginDescriptor> byName)
    {
        var cycles = new List<List<string>>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();

        void Visit(string name)
        {
            var at = path.IndexOf(name);
            if (at >= 0)
            {
                cycles.Add(path[at..]);
                return;
            }
            if (!done.Add(name) || !byName.TryGetValue(name, out var plugin) || !plugin.CanLoad) return;
            path.Add(name);
            foreach (var dependency in plugin.Manifest!.DependsOn)
                Visit(dependency);
            path.RemoveAt(path.Count - 1);
        }

        foreach (var name in byName.Keys.Order(StringComparer.Ordinal))
            Visit(name);
        return cycles;
    }

    private static void Add(Dictionary<string, string> errors, string name, string error) =>
        errors[name] = errors.TryGetValue(name, out var earlier) ? $"{earlier}; {error}" : error;
}
