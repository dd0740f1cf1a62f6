using PluginHost.Host.Lifecycle;

namespace PluginHost.Host.Tests.Lifecycle;

/// <summary>The instance state machine's moves alone (no Python).</summary>
public sealed class InstanceStatesTests
{
    [Theory]
    [InlineData("Pending", "Starting")]
    [InlineData("Starting", "Running")]
    [InlineData("Running", "Restarting")]
    [InlineData("Restarting", "Starting")]
    [InlineData("Starting", "Restarting")]
    [InlineData("Running", "Failed")]
    [InlineData("Restarting", "Failed")]
    [InlineData("Starting", "Stopped")]     // sys.exit(0) in setup
    [InlineData("Failed", "Stopping")]      // a Failed instance whose interpreter still runs is stopped
    [InlineData("Restarting", "Stopping")]
    [InlineData("Stopping", "Stopped")]
    public void AllowedMoves(string from, string to) => Assert.True(InstanceStates.CanMove(Enum.Parse<PluginState>(from), Enum.Parse<PluginState>(to)));

    [Theory]
    [InlineData("Stopping", "Restarting")]  // a late failure while stopping restarts nothing
    [InlineData("Stopping", "Running")]     // nor does a start that finishes late
    [InlineData("Stopping", "Failed")]
    [InlineData("Stopping", "Stopping")]
    [InlineData("Stopped", "Starting")]
    [InlineData("Stopped", "Stopping")]
    [InlineData("Failed", "Restarting")]
    [InlineData("Failed", "Starting")]
    [InlineData("Failed", "Stopped")]       // only through Stopping
    [InlineData("Pending", "Running")]
    [InlineData("Running", "Running")]
    [InlineData("Running", "Stopped")]      // through Stopping, which runs teardown
    public void ForbiddenMoves(string from, string to) => Assert.False(InstanceStates.CanMove(Enum.Parse<PluginState>(from), Enum.Parse<PluginState>(to)));

    [Fact]
    public void StoppedIsFinal() =>
        Assert.All(Enum.GetValues<PluginState>(), to => Assert.False(InstanceStates.CanMove(PluginState.Stopped, to)));
}
