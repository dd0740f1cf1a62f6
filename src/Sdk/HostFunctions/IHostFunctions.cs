namespace PluginHost.Sdk.HostFunctions;

/// <summary>
/// Marks a class whose <see cref="HostFunctionAttribute"/> methods plugins' Python code calls with
/// <c>pluginhost.call(name, payload)</c>. The host finds such classes in its own assembly and in each plugin's
/// <c>dotnet/</c> assemblies, registers them in dependency injection (one instance per plugin that ships them, or one
/// for the host), and builds them with their constructor's services (e.g. <c>ILogger&lt;T&gt;</c>).
/// </summary>
/// <remarks>
/// A plugin may call its own functions; a host function needs the capability <c>host:&lt;name&gt;</c> (or
/// <c>host:*</c>) in the calling plugin's manifest. Instances are shared by every interpreter of the plugin and called
/// from several threads at once: keep them thread-safe.
/// </remarks>
public interface IHostFunctions;
