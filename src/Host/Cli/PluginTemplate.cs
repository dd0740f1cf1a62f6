using System.Security;
using System.Text.Json;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Cli;

/// <summary>The files of a new plugin (see <see cref="NewCommand"/>), by path relative to its folder.</summary>
internal static class PluginTemplate
{
    public static IEnumerable<(string Path, string Text)> Files(string name, bool dotnet, string sdkAssembly)
    {
        var project = ProjectName(name);
        var function = $"{name}.hello";
        yield return ("plugin.json", Manifest(name, dotnet));
        yield return ("main.py", dotnet ? DotNetEntry(name, function) : PythonEntry(name));
        yield return ("typings/pluginhost.pyi", Resource("PluginHost.Host.Cli.pluginhost.pyi"));
        yield return ("typings/plugin-manifest.schema.json", ManifestSchema.Text);
        yield return ("pyrightconfig.json", "{\n  \"stubPath\": \"typings\"\n}\n");
        yield return (".gitignore", "__pycache__/\ndotnet/\nsrc/bin/\nsrc/obj/\n");
        if (!dotnet)
            yield break;
        yield return ($"src/{project}.csproj", Project(project, sdkAssembly));
        yield return ($"src/{project}Functions.cs", Functions(project, function));
    }

    /// <summary>"word-count" → "WordCount": a C# identifier for the project, namespace and class.</summary>
    public static string ProjectName(string name) =>
        string.Concat(name.Split('-', '_', '.').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    private static string Manifest(string name, bool dotnet) => $$"""
        {
          "$schema": "typings/plugin-manifest.schema.json",
          "name": {{JsonSerializer.Serialize(name)}},
          "version": "0.1.0",
          "entry": "main",
          "description": {{JsonSerializer.Serialize(dotnet ? $"{name}: Python with a .NET part." : $"{name}: a PluginHost plugin.")}},
          "subscriptions": [{{JsonSerializer.Serialize(name + ".>")}}],
          "settings": {
            "greeting": "Hello"
          }
        }

        """;

    private static string PythonEntry(string name) => $$"""
        import logging

        import pluginhost

        log = logging.getLogger({{JsonSerializer.Serialize(name)}})
        greeting = "Hello"


        def setup(ctx: pluginhost.Context) -> None:
            global greeting
            greeting = ctx.settings.get("greeting", greeting)
            log.info("%s instance %d started", ctx.name, ctx.instance)


        def on_message(message: pluginhost.Message):
            # Messages on the manifest's subscriptions and those sent to this plugin; the return value is the reply.
            return f"{greeting}, {message.payload}!"


        def teardown() -> None:
            log.info("stopped")

        """;

    private static string DotNetEntry(string name, string function) => $$"""
        import logging

        import pluginhost

        log = logging.getLogger({{JsonSerializer.Serialize(name)}})
        greeting = "Hello"


        def setup(ctx: pluginhost.Context) -> None:
            global greeting
            greeting = ctx.settings.get("greeting", greeting)
            # This plugin's own .NET function (src/, built into dotnet/): a plugin may always call its own.
            log.info("%s", pluginhost.call({{JsonSerializer.Serialize(function)}}, {"greeting": greeting, "name": ctx.name}))


        def on_message(message: pluginhost.Message):
            # Messages on the manifest's subscriptions and those sent to this plugin; the return value is the reply.
            return pluginhost.call({{JsonSerializer.Serialize(function)}}, {"greeting": greeting, "name": message.payload})


        def teardown() -> None:
            log.info("stopped")

        """;

    private static string Project(string project, string sdkAssembly) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <!-- The plugin's .NET part: it builds into ../dotnet/, where PluginHost loads it into the plugin's own load context. -->
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <AssemblyName>{project}</AssemblyName>
            <RootNamespace>{project}</RootNamespace>
            <OutDir>$(MSBuildThisFileDirectory)../dotnet/</OutDir>
          </PropertyGroup>
          <ItemGroup>
            <!-- The SDK contracts come from the host at run time: compiled against, not copied. -->
            <Reference Include="PluginHost.Sdk">
              <HintPath>{SecurityElement.Escape(sdkAssembly)}</HintPath>
              <Private>false</Private>
            </Reference>
          </ItemGroup>
        </Project>

        """;

    private static string Functions(string project, string function) => $$"""
        using PluginHost.Sdk.HostFunctions;

        namespace {{project}};

        /// <summary>
        /// Host functions of this plugin: Python calls them with pluginhost.call(name, payload). One instance serves
        /// every interpreter of the plugin, from several threads: keep it free of mutable state.
        /// </summary>
        public sealed class {{project}}Functions : IHostFunctions
        {
            /// <summary>Payload: JSON {"greeting": "...", "name": "..."}; the result goes back to Python as str.</summary>
            [HostFunction("{{function}}")]
            public string Hello(HelloRequest request, HostCall call) =>
                $"{request.Greeting}, {request.Name}! (from .NET, called by {call.Plugin}/{call.Instance})";
        }

        public sealed record HelloRequest(string Greeting, string Name);

        """;

    private static string Resource(string name)
    {
        using var stream = typeof(PluginTemplate).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in the host assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
