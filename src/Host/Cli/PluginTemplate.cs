using System.Text.Encodings.Web;
using System.Text.Json;
using PluginHost.Host.Plugins;

namespace PluginHost.Host.Cli;

/// <summary>The files of a new plugin (see <see cref="NewCommand"/>), by path relative to its folder.</summary>
internal static class PluginTemplate
{
    /// <summary>Where a .NET plugin's project finds the SDK contracts: a copy of the host's, in the plugin's folder.</summary>
    public const string SdkCopy = "sdk/PluginHost.Sdk.dll";

    // Literal text in what people read and edit: "greeter.>" rather than "greeter.\u003E" (names are plain ASCII, and
    // these files are JSON and Python source, never HTML).
    private static readonly JsonSerializerOptions Literal = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The text files; with <paramref name="dotnet"/> the caller also copies the SDK assembly to <see cref="SdkCopy"/>.</summary>
    public static IEnumerable<(string Path, string Text)> Files(string name, bool dotnet)
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
        yield return ($"src/{project}.csproj", Project(project));
        yield return ($"src/{project}Functions.cs", Functions(project, function));
    }

    /// <summary>"word-count" → "WordCount": a C# identifier for the project, namespace and class.</summary>
    public static string ProjectName(string name) =>
        string.Concat(name.Split('-', '_', '.').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    private static string Manifest(string name, bool dotnet) => $$"""
        {
          "$schema": "typings/plugin-manifest.schema.json",
          "name": {{JsonSerializer.Serialize(name, Literal)}},
          "version": "0.1.0",
          "entry": "main",
          "description": {{JsonSerializer.Serialize(dotnet ? $"{name}: Python with a .NET part." : $"{name}: a PluginHost plugin.", Literal)}},
          "subscriptions": [{{JsonSerializer.Serialize(name + ".>", Literal)}}],
          "settings": {
            "greeting": "Hello"
          }
        }

        """;

    private static string PythonEntry(string name) => $$"""
        import logging

        import pluginhost

        log = logging.getLogger({{JsonSerializer.Serialize(name, Literal)}})
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

        log = logging.getLogger({{JsonSerializer.Serialize(name, Literal)}})
        greeting = "Hello"


        def setup(ctx: pluginhost.Context) -> None:
            global greeting
            greeting = ctx.settings.get("greeting", greeting)
            # This plugin's own .NET function (src/, built into dotnet/): a plugin may always call its own.
            log.info("%s", pluginhost.call({{JsonSerializer.Serialize(function, Literal)}}, {"greeting": greeting, "name": ctx.name}))


        def on_message(message: pluginhost.Message):
            # Messages on the manifest's subscriptions and those sent to this plugin; the return value is the reply.
            return pluginhost.call({{JsonSerializer.Serialize(function, Literal)}}, {"greeting": greeting, "name": message.payload})


        def teardown() -> None:
            log.info("stopped")

        """;

    // No absolute path: the project must build wherever the plugin's folder is cloned or copied.
    private static string Project(string project) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <!-- The plugin's .NET part: it builds into ../dotnet/, where PluginHost loads it into the plugin's own load context. -->
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <AssemblyName>{project}</AssemblyName>
            <RootNamespace>{project}</RootNamespace>
            <OutDir>$(MSBuildThisFileDirectory)../dotnet/</OutDir>
            <!-- The SDK contracts to compile against: the copy `pluginhost new` put in the plugin's folder, so this builds
                 wherever the folder goes. Against a deployed host's instead: dotnet build -p:PluginHostSdk=/opt/pluginhost/PluginHost.Sdk.dll -->
            <PluginHostSdk Condition="'$(PluginHostSdk)' == ''">$(MSBuildThisFileDirectory)../{SdkCopy}</PluginHostSdk>
          </PropertyGroup>
          <ItemGroup>
            <!-- The SDK comes from the host at run time: compiled against, not copied into dotnet/. -->
            <Reference Include="PluginHost.Sdk">
              <HintPath>$(PluginHostSdk)</HintPath>
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
