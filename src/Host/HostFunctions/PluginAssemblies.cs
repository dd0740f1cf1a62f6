using System.Reflection;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PluginHost.Sdk.HostFunctions;

namespace PluginHost.Host.HostFunctions;

/// <summary>
/// A plugin's <c>dotnet/</c> assemblies in their own collectible AssemblyLoadContext (McMaster.NETCore.Plugins),
/// sharing only the SDK contracts and the logging and DI abstractions with the host, and the plugin's own service
/// container holding its <see cref="IHostFunctions"/> classes (found with Scrutor). Disposing it disposes the
/// container and unloads the context; .NET frees the assemblies once nothing references them any more.
/// </summary>
internal sealed class PluginAssemblies : IDisposable
{
    public const string FolderName = "dotnet";

    // Types whose assemblies the host and every plugin share, so that these types are the same on both sides.
    private static readonly Type[] SharedTypes = [typeof(IHostFunctions), typeof(ILogger), typeof(IServiceCollection)];

    private readonly PluginLoader _loader;
    private readonly ServiceProvider _services;

    private PluginAssemblies(PluginLoader loader, Assembly main, ServiceProvider services, HostFunctionTable functions)
    {
        _loader = loader;
        MainAssembly = main;
        _services = services;
        Functions = functions;
    }

    public Assembly MainAssembly { get; }

    public HostFunctionTable Functions { get; }

    /// <summary>Whether the assemblies can be unloaded (a collectible load context).</summary>
    public bool IsUnloadable => _loader.IsUnloadable;

    /// <summary>
    /// Loads the plugin's <c>dotnet/</c> folder, or returns null when it has none. Throws
    /// <see cref="InvalidOperationException"/> with the reason when it cannot be loaded.
    /// </summary>
    /// <param name="configure">Adds the host services plugin classes may take in their constructors.</param>
    public static PluginAssemblies? Load(string pluginName, string pluginFolder, Action<IServiceCollection> configure)
    {
        var folder = Path.Combine(pluginFolder, FolderName);
        if (!Directory.Exists(folder))
            return null;
        var main = MainAssemblyPath(folder);
        var loader = PluginLoader.CreateFromAssemblyFile(main, isUnloadable: true, SharedTypes);
        ServiceProvider? services = null;
        try
        {
            var assembly = loader.LoadDefaultAssembly();
            var collection = new ServiceCollection();
            configure(collection);
            collection.Scan(scan => scan.FromAssemblies(assembly)
                .AddClasses(classes => classes.AssignableTo<IHostFunctions>(), publicOnly: false)
                .As<IHostFunctions>()
                .WithSingletonLifetime());
            services = collection.BuildServiceProvider();
            var functions = HostFunctionTable.Build(services.GetServices<IHostFunctions>(), pluginName);
            return new PluginAssemblies(loader, assembly, services, functions);
        }
        catch (Exception e)
        {
            services?.Dispose();
            loader.Dispose();
            throw e is InvalidOperationException ? e : new InvalidOperationException($"{FolderName}/{Path.GetFileName(main)}: {e.Message}", e);
        }
    }

    /// <summary>The assembly with a <c>.deps.json</c> beside it (what <c>dotnet build</c> writes), or the only .dll.</summary>
    private static string MainAssemblyPath(string folder)
    {
        var candidates = Directory.GetFiles(folder, "*.deps.json")
            .Select(deps => deps[..^".deps.json".Length] + ".dll")
            .Where(File.Exists)
            .ToList();
        if (candidates.Count == 0)
            candidates = [.. Directory.GetFiles(folder, "*.dll")];
        return candidates.Count == 1
            ? candidates[0]
            : throw new InvalidOperationException(candidates.Count == 0
                ? $"{FolderName}/ holds no assembly: build the plugin's .NET project into it"
                : $"{FolderName}/ holds {candidates.Count} main assemblies ({string.Join(", ", candidates.Select(Path.GetFileName))}); it must hold one (with its .deps.json)");
    }

    public void Dispose()
    {
        _services.Dispose();
        _loader.Dispose();
    }
}
