using Microsoft.Extensions.Configuration;

namespace PluginHost.Host.Configuration;

/// <summary>What the configuration binder cannot do for <see cref="PluginHostOptions"/>, done after it.</summary>
internal static class PluginSettingsBinding
{
    public static void Complete(PluginHostOptions options, IConfiguration configuration)
    {
        // The binder would append configured directories to a non-empty default, so the default is filled in here.
        if (options.PluginDirectories.Count == 0)
            options.PluginDirectories.Add(PluginHostOptions.DefaultPluginDirectory);

        // The binder drops nested values (Settings:db:host, Settings:hosts:0) when binding a string dictionary;
        // every leaf is kept instead, under its path relative to Settings, and typed later against the manifest.
        foreach (var (name, plugin) in options.Plugins)
        {
            var section = configuration.GetSection($"{PluginHostOptions.SectionName}:Plugins:{name}:Settings");
            plugin.Settings.Clear();
            // A plugin's Restart keys override the global policy one by one, not the class defaults.
            var restart = configuration.GetSection($"{PluginHostOptions.SectionName}:Plugins:{name}:Restart");
            if (restart.Exists())
            {
                plugin.Restart = options.Restart.Clone();
                restart.Bind(plugin.Restart);
            }

            foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
            {
                if (value is not null) plugin.Settings[key] = value;
            }
        }
    }
}
