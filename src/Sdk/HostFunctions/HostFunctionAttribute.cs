namespace PluginHost.Sdk.HostFunctions;

/// <summary>
/// Exposes a method of an <see cref="IHostFunctions"/> class to Python as <c>pluginhost.call(name, payload)</c>.
/// </summary>
/// <remarks>
/// <para>Parameters, all optional, in any order: one payload parameter — <c>string</c> (a str payload),
/// <c>byte[]</c> or <c>ReadOnlyMemory&lt;byte&gt;</c> (bytes), <c>System.Text.Json.JsonElement</c> or any type
/// System.Text.Json can read (a JSON value) — a <see cref="HostCall"/> (who is calling) and a
/// <see cref="CancellationToken"/> (cancelled when the caller's timeout passes).</para>
/// <para>Returns: nothing, a value, or a <see cref="Task"/>/<see cref="ValueTask"/> of one; Python receives a
/// <c>string</c> as str, <c>byte[]</c>/<c>ReadOnlyMemory&lt;byte&gt;</c> as bytes, anything else as the JSON value
/// System.Text.Json writes for it (None for null or nothing). An exception becomes
/// <c>pluginhost.HostFunctionError</c> carrying its message.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class HostFunctionAttribute(string name) : Attribute
{
    /// <summary>The name Python calls it by: letters, digits, '_', '.', '-', starting with a letter, e.g. <c>text.slugify</c>.</summary>
    public string Name { get; } = name;
}
