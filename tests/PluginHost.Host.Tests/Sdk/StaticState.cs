using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace PluginHost.Host.Tests.Sdk;

/// <summary>
/// Finds static fields that can hold changing state: fields that are not readonly (auto-property backing fields
/// included), and readonly fields whose type can be changed through the reference (arrays, lists, dictionaries, ...).
/// Compiler-generated closure types (lambda caches) are skipped: they only ever cache one immutable delegate.
/// </summary>
internal static class StaticState
{
    private static readonly FrozenSet<Type> ImmutableTypes = new[]
    {
        typeof(string), typeof(decimal), typeof(DateTime), typeof(DateTimeOffset), typeof(TimeSpan), typeof(Guid),
        typeof(Type), typeof(Version), typeof(Uri),
    }.ToFrozenSet();

    public static IReadOnlyList<string> MutableStaticFields(IEnumerable<Type> types) =>
        [.. types
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => !f.IsLiteral)
            .Select(f => (Field: f, Problem: Problem(f)))
            .Where(x => x.Problem is not null)
            .Select(x => $"{x.Field.DeclaringType!.FullName}.{x.Field.Name}: {x.Problem}")];

    private static string? Problem(FieldInfo field) =>
        !field.IsInitOnly ? "static field is not readonly"
        : !IsImmutable(field.FieldType) ? $"static readonly field of mutable type {field.FieldType.Name}"
        : null;

    private static bool IsImmutable(Type type) =>
        type.IsPrimitive || type.IsEnum || ImmutableTypes.Contains(type) || typeof(Delegate).IsAssignableFrom(type)
        || type.Namespace is "System.Collections.Immutable" or "System.Collections.Frozen";
}
