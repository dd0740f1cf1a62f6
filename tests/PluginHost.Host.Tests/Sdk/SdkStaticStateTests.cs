using PluginHost.Sdk;

namespace PluginHost.Host.Tests.Sdk;

/// <summary>
/// The SDK's contracts are loaded once, into the host's load context, and shared by every plugin's load context:
/// a static field there would be state every plugin sees and changes (docs/dotnet-plugins.md).
/// </summary>
public sealed class SdkStaticStateTests
{
    [Fact]
    public void TheSdkAssemblyHoldsNoMutableStaticState()
    {
        var found = StaticState.MutableStaticFields(typeof(PluginManifest).Assembly.GetTypes());

        Assert.True(found.Count == 0, "PluginHost.Sdk must hold no mutable static state:\n" + string.Join("\n", found));
    }

    [Fact]
    public void TheCheckFindsEachKindOfMutableStaticField()
    {
        var found = StaticState.MutableStaticFields([typeof(Offender)]);

        Assert.Equal(4, found.Count);
        Assert.Contains(found, f => f.Contains(".Counter: static field is not readonly"));
        Assert.Contains(found, f => f.Contains(".Names: static readonly field of mutable type String[]"));
        Assert.Contains(found, f => f.Contains(".Cache: static readonly field of mutable type Dictionary`2"));
        Assert.Contains(found, f => f.Contains("<Current>k__BackingField: static field is not readonly"));
    }

#pragma warning disable CA2211, IDE0044, CS0649 // deliberately mutable: what the check must catch
    private static class Offender
    {
        public const int Limit = 3;
        public static readonly string Label = "fine";
        public static readonly System.Collections.Immutable.ImmutableArray<int> Fine = [1];
        public static int Counter;
        public static readonly string[] Names = ["a"];
        public static readonly Dictionary<string, int> Cache = [];
        public static string Current { get; set; } = "";
    }
#pragma warning restore CA2211, IDE0044, CS0649
}
