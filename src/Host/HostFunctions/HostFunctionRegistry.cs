using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PluginHost.Sdk.HostFunctions;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.HostFunctions;

/// <summary>
/// The host's own functions (the <see cref="IHostFunctions"/> registered in the host's container — Scrutor finds
/// those in the host assembly) and the loading of each plugin's <c>dotnet/</c> assemblies with theirs.
/// </summary>
internal sealed class HostFunctionRegistry(IEnumerable<IHostFunctions> hostFunctions, ILoggerFactory loggers, IMessageBus? bus = null)
{
    private readonly Lazy<HostFunctionTable> _host = new(() => HostFunctionTable.Build(hostFunctions, owner: null));

    public static HostFunctionRegistry Empty(ILoggerFactory loggers) => new([], loggers);

    /// <summary>Functions every plugin may call when its capabilities grant them.</summary>
    public HostFunctionTable Host => _host.Value;

    /// <summary>
    /// Loads <paramref name="pluginName"/>'s <c>dotnet/</c> assemblies (null when it has none). Its classes may take
    /// the host's <see cref="ILoggerFactory"/>, <see cref="ILogger{T}"/> and <see cref="IMessageBus"/>. Throws
    /// <see cref="InvalidOperationException"/> when they cannot be loaded or a function shadows a host function.
    /// </summary>
    public PluginAssemblies? LoadPlugin(string pluginName, string folder)
    {
        var assemblies = PluginAssemblies.Load(pluginName, folder, services =>
        {
            services.AddSingleton(loggers);
            services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            if (bus is not null)
                services.AddSingleton(bus);
        });
        if (assemblies?.Functions.Names.FirstOrDefault(name => Host.TryGet(name, out _)) is { } clash)
        {
            assemblies.Dispose();
            throw new InvalidOperationException($"host function '{clash}' of plugin '{pluginName}' has the name of a function the host provides; rename it");
        }
        return assemblies;
    }
}
