using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace PluginHost.Host.Configuration.Strict;

/// <summary>
/// Checks configuration against <see cref="ConfigurationSchema"/> before anything binds it: a value the binder could
/// not convert, a key no options class has, a value where a section or list belongs. Each is one
/// <see cref="ConfigurationProblem"/>; the host reports them and exits 1 instead of throwing from the binder.
/// </summary>
internal static class StrictConfiguration
{
    public static IReadOnlyList<ConfigurationProblem> Check(IConfiguration configuration)
    {
        var problems = new List<ConfigurationProblem>();
        foreach (var (name, schema) in ConfigurationSchema.Roots)
        {
            var section = configuration.GetSection(name);
            if (section.Exists())
                Walk(configuration, section, schema, problems);
        }
        return problems;
    }

    private static void Walk(IConfiguration configuration, IConfigurationSection section, ConfigurationSchema schema, List<ConfigurationProblem> problems)
    {
        var children = section.GetChildren().ToList();
        // A section's own value is never bound. At the top it is not a mistake either: PLUGINHOST_PYTHON (which selects
        // CPython, docs/finding-python.md) is also the configuration key "PYTHON", the Python section's value.
        if (schema.NodeKind == ConfigurationSchema.Kind.Section && !section.Path.Contains(':', StringComparison.Ordinal))
        {
            WalkKeys(configuration, section, children, schema, problems);
            return;
        }
        switch (schema.NodeKind)
        {
            case ConfigurationSchema.Kind.Value:
                if (children.Count > 0)
                    Add(configuration, problems, section.Path, $"is one value ({Expected(schema)}), not a section; remove the keys below it");
                else if (section.Value is { } value && !Converts(schema, value))
                    Add(configuration, problems, section.Path, $"'{value}' is not {Expected(schema)}");
                return;
            case ConfigurationSchema.Kind.FreeForm:
                return;
            case ConfigurationSchema.Kind.List:
                if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
                    Add(configuration, problems, section.Path, $"'{section.Value}' is one value, but this is a list; give {section.Path}:0, {section.Path}:1, ...");
                foreach (var child in children)
                {
                    if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                        Add(configuration, problems, child.Path, $"is not a list index; {section.Path} is a list, its keys are 0, 1, 2, ...");
                    else
                        Walk(configuration, child, schema.Item!, problems);
                }
                return;
            case ConfigurationSchema.Kind.Map:
                if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
                    Add(configuration, problems, section.Path, $"'{section.Value}' is one value, but this section holds named entries ({section.Path}:<name>:...)");
                foreach (var child in children)
                    Walk(configuration, child, schema.Item!, problems);
                return;
            default:
                if (children.Count == 0 && !string.IsNullOrEmpty(section.Value))
                    Add(configuration, problems, section.Path, $"'{section.Value}' is one value, but this is a section; its keys: {string.Join(", ", schema.Keys.Keys.Order(StringComparer.Ordinal))}");
                WalkKeys(configuration, section, children, schema, problems);
                return;
        }
    }

    private static void WalkKeys(
        IConfiguration configuration, IConfigurationSection section, List<IConfigurationSection> children, ConfigurationSchema schema, List<ConfigurationProblem> problems)
    {
        foreach (var child in children)
        {
            if (schema.Keys.TryGetValue(child.Key, out var inner))
                Walk(configuration, child, inner, problems);
            else
                Add(configuration, problems, child.Path, Unknown(child.Key, section.Path, schema.Keys.Keys));
        }
    }

    /// <summary>"is not a key of X; did you mean Y?" (or the known keys when none is close).</summary>
    public static string Unknown(string key, string parent, IEnumerable<string> known)
    {
        var names = known.Order(StringComparer.Ordinal).ToList();
        return Suggestions.Closest(key, names) is { } close
            ? $"unknown key; did you mean {parent}:{close}?"
            : $"unknown key; {parent} has: {string.Join(", ", names)}";
    }

    private static void Add(IConfiguration configuration, List<ConfigurationProblem> problems, string key, string message) =>
        problems.Add(new ConfigurationProblem(ConfigurationSourceNames.Of(configuration, key), key, message));

    // As ConfigurationBinder converts: empty is null for a nullable type; otherwise the type's converter, invariant culture.
    private static bool Converts(ConfigurationSchema schema, string value)
    {
        if (value.Length == 0 && schema.Nullable)
            return true;
        if (schema.Type == typeof(string))
            return true;
        try
        {
            return TypeDescriptor.GetConverter(schema.Type).ConvertFromInvariantString(value) is not null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException or InvalidCastException)
        {
            return false;
        }
    }

    private static string Expected(ConfigurationSchema schema)
    {
        var type = schema.Type;
        var expected = type switch
        {
            _ when type == typeof(TimeSpan) => "a time span: [d.]hh:mm:ss[.fff], e.g. 00:00:30",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number, e.g. 2 or 1.5",
            _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
            _ => $"a {type.Name}",
        };
        return schema.Nullable && type != typeof(string) ? $"{expected} (or empty: unset)" : expected;
    }
}
