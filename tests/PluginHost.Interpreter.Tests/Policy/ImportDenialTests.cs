namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>A denied import is an ImportError (fallbacks work) that names the capability; with the pluginhost module, its ImportDenied.</summary>
[Collection(PythonCollection.Name)]
public sealed class ImportDenialTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task ADeniedImportIsPluginhostsImportDeniedWithTheCapability()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var result = await governed.TryAsync("""
            import pluginhost
            try:
                import _ctypes
            except ModuleNotFoundError as e:
                assert type(e) is pluginhost.ImportDenied, type(e)
                assert isinstance(e, pluginhost.CapabilityDenied)
                assert (e.name, e.capability) == ("_ctypes", "native-code"), (e.name, e.capability)
                raise
            """);

        Assert.StartsWith("ImportDenied: import _ctypes denied: ctypes and cffi load and call arbitrary native code", result);
        Assert.Contains("needs the capability 'native-code'", result);
        Assert.Equal("import", Assert.Single(governed.Listener.Denials).Facility);
    }

    [Fact]
    public async Task TheEverydayFallbackWorks()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var result = await governed.TryAsync("""
            import pluginhost
            try:
                import _interpreters
            except ImportError:
                _interpreters = None
            assert _interpreters is None
            """);

        Assert.Equal("ok", result);
    }

    [Fact]
    public async Task NoCapabilityAllowsItSaysSoAndCapabilityIsNone()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var result = await governed.TryAsync("""
            import pluginhost
            try:
                import _interpqueues
            except pluginhost.CapabilityDenied as e:
                assert e.capability is None and e.name == "_interpqueues", (e.capability, e.name)
                raise
            """);

        Assert.StartsWith("ImportDenied: import _interpqueues denied", result);
        Assert.Contains("No capability allows this", result);
    }

    [Fact]
    public async Task APluginCannotSwapTheClassTheHookRaises()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var result = await governed.TryAsync("""
            import pluginhost
            class Fake(Exception): pass
            pluginhost.ImportDenied = Fake
            import _ctypes
            """);

        Assert.StartsWith("ImportDenied: import _ctypes denied", result);
    }

    [Fact]
    public async Task WithoutThePluginhostModuleItIsAPlainImportError()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        Assert.StartsWith("ImportError: import _ctypes denied", await governed.TryAsync("import _ctypes"));
    }
}
