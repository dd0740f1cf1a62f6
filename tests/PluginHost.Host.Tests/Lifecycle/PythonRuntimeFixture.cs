using PluginHost.Host.Lifecycle;

namespace PluginHost.Tests.Shared;

/// <summary>The shared runtime is what the host's services see as the started runtime.</summary>
public sealed partial class PythonRuntimeFixture : IRuntimeAccess;
