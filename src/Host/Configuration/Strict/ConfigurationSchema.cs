using System.Collections;
using System.ComponentModel;
using System.Reflection;

namespace PluginHost.Host.Configuration.Strict;

/// <summary>
/// What the options classes accept, found by reflection: every class in the host assembly with a
/// <c>const string SectionName</c> is a section ("PluginHost", "PluginHost:Broker", "Python"), its public settable
/// properties its keys. Derived, not listed by hand, so a key added to an options class is known at once.
/// </summary>
internal sealed class ConfigurationSchema
{
    /// <summary>What one configuration path holds.</summary>
    public enum Kind
    {
        /// <summary>One value a TypeConverter parses (number, TimeSpan, enum, bool, string).</summary>
        Value,

        /// <summary>Named keys: the properties of an options class.</summary>
        Section,

        /// <summary>Keys 0, 1, 2, ... each holding <see cref="Item"/>.</summary>
        List,

        /// <summary>Any keys (names the user chooses, e.g. plugin names), each holding <see cref="Item"/>.</summary>
        Map,

        /// <summary>Anything below, checked elsewhere (a plugin's Settings, typed against its manifest).</summary>
        FreeForm,
    }

    private ConfigurationSchema(Kind kind, Type type) => (NodeKind, Type) = (kind, type);

    public Kind NodeKind { get; }

    /// <summary>The .NET type bound at this path (for Value: the non-nullable type the converter parses).</summary>
    public Type Type { get; }

    public bool Nullable { get; private init; }

    /// <summary>A Section's keys, case-insensitive like configuration.</summary>
    public IReadOnlyDictionary<string, ConfigurationSchema> Keys { get; private init; } =
        new Dictionary<string, ConfigurationSchema>(StringComparer.OrdinalIgnoreCase);

    /// <summary>A List's or Map's element.</summary>
    public ConfigurationSchema? Item { get; private init; }

    /// <summary>The sections of the host assembly's options classes, nested ones ("PluginHost:Broker") merged into their parent.</summary>
    public static IReadOnlyDictionary<string, ConfigurationSchema> Roots { get; } = FindRoots();

    private static Dictionary<string, ConfigurationSchema> FindRoots()
    {
        var sections = typeof(ConfigurationSchema).Assembly.GetTypes()
            .Select(t => (Type: t, Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(t => t.Field is { IsLiteral: true } && t.Field.FieldType == typeof(string))
            .Select(t => (Path: (string)t.Field!.GetRawConstantValue()!, t.Type))
            .OrderBy(s => s.Path.Count(c => c == ':'))
            .ToList();
        var roots = new Dictionary<string, ConfigurationSchema>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, type) in sections)
        {
            var segments = path.Split(':');
            if (segments.Length == 1)
            {
                roots[path] = For(type);
                continue;
            }
            // A nested section becomes a key of its parent's schema, as if the parent had a property of its type.
            if (!roots.TryGetValue(segments[0], out var parent)) continue;
            foreach (var segment in segments[1..^1])
                parent = parent.Keys.GetValueOrDefault(segment) ?? parent;
            ((Dictionary<string, ConfigurationSchema>)parent.Keys)[segments[^1]] = For(type);
        }
        return roots;
    }

    private static ConfigurationSchema For(Type type)
    {
        var underlying = System.Nullable.GetUnderlyingType(type);
        if (underlying is not null)
            return new ConfigurationSchema(Kind.Value, underlying) { Nullable = true };
        if (type == typeof(string))
            return new ConfigurationSchema(Kind.Value, type) { Nullable = true };
        if (IsValue(type))
            return new ConfigurationSchema(Kind.Value, type);
        if (type.IsGenericType && type.GetGenericArguments().Length == 2 && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var value = type.GetGenericArguments()[1];
            // A dictionary of strings: configuration kept as strings by path, nested keys included (PluginSettingsBinding).
            return value == typeof(string)
                ? new ConfigurationSchema(Kind.FreeForm, type)
                : new ConfigurationSchema(Kind.Map, type) { Item = For(value) };
        }
        if (type.IsArray)
            return new ConfigurationSchema(Kind.List, type) { Item = For(type.GetElementType()!) };
        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
            return new ConfigurationSchema(Kind.List, type) { Item = For(type.GetGenericArguments()[0]) };

        var keys = new Dictionary<string, ConfigurationSchema>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // What the binder sets: a public setter, or a collection it fills in place.
            if (property.GetIndexParameters().Length > 0) continue;
            if (property.SetMethod is not { IsPublic: true } && (property.PropertyType == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(property.PropertyType))) continue;
            keys[property.Name] = For(property.PropertyType);
        }
        return new ConfigurationSchema(Kind.Section, type) { Keys = keys };
    }

    // What the binder converts from one string: primitives, enums and types with a TypeConverter from string.
    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(DateTimeOffset)
        || type == typeof(DateTime) || type == typeof(Uri) || type == typeof(Guid)
        || (type != typeof(object) && !type.IsGenericType && TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)) && !type.IsClass);
}
