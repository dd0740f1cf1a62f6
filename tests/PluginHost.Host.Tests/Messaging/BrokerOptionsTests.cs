using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PluginHost.Host.Configuration;
using PluginHost.Host.Messaging;
using PluginHost.Sdk.Messaging;

namespace PluginHost.Host.Tests.Messaging;

public sealed class BrokerOptionsTests
{
    private static IHost Build(Dictionary<string, string?> configuration)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddMessageBroker();
        return builder.Build();
    }

    [Fact]
    public void DefaultsApplyAndTheBrokerIsTheBus()
    {
        using var host = Build([]);

        var options = host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;
        var broker = host.Services.GetRequiredService<MessageBroker>();

        Assert.Equal(8192, options.InboxCapacity);
        Assert.Equal(FullInboxMode.Wait, options.FullInboxMode);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PublishTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RequestTimeout);
        Assert.Equal(16 * 1024 * 1024, options.MaxPayloadBytes);
        Assert.Equal(64 * 1024, options.MaxHeaderBytes);
        Assert.Equal(256L * 1024 * 1024, options.InboxMaxBytes);
        Assert.Equal(2, options.MaxRetries);
        Assert.Equal("pluginhost.deadletter", options.DeadLetterTopic);
        Assert.Same(broker, host.Services.GetRequiredService<IMessageBus>());
        Assert.Equal("in-process", broker.TransportName);
    }

    [Fact]
    public void ConfiguredValuesBind()
    {
        using var host = Build(new()
        {
            ["PluginHost:Broker:InboxCapacity"] = "64",
            ["PluginHost:Broker:FullInboxMode"] = "Fail",
            ["PluginHost:Broker:PublishTimeout"] = "00:00:01",
            ["PluginHost:Broker:MaxRetries"] = "0",
            ["PluginHost:Broker:DeadLetterTopic"] = "errors.dead",
            ["PluginHost:Broker:MaxHeaderBytes"] = "1024",
            ["PluginHost:Broker:InboxMaxBytes"] = "1048576",
        });

        var broker = host.Services.GetRequiredService<MessageBroker>();

        Assert.Equal((64, FullInboxMode.Fail, TimeSpan.FromSeconds(1), 0, "errors.dead", 1024, 1L << 20),
            (broker.Options.InboxCapacity, broker.Options.FullInboxMode, broker.Options.PublishTimeout, broker.Options.MaxRetries, broker.Options.DeadLetterTopic, broker.Options.MaxHeaderBytes, broker.Options.InboxMaxBytes));
    }

    [Theory]
    [InlineData("InboxCapacity", "0", "PluginHost:Broker:InboxCapacity must be between 1 and 1000000")]
    [InlineData("MaxPayloadBytes", "2000000000", "PluginHost:Broker:MaxPayloadBytes must be between 1 and 1073741824")]
    [InlineData("MaxHeaderBytes", "0", "PluginHost:Broker:MaxHeaderBytes must be between 1 and 16777216")]
    [InlineData("MaxRetries", "101", "PluginHost:Broker:MaxRetries must be between 0 and 100")]
    [InlineData("InboxMaxBytes", "0", "PluginHost:Broker:InboxMaxBytes must be between 1 and 1099511627776")]
    [InlineData("PublishTimeout", "00:00:00", "PluginHost:Broker:PublishTimeout must be between")]
    [InlineData("DeadLetterTopic", "dead.*", "PluginHost:Broker:DeadLetterTopic: Topic 'dead.*' contains a wildcard")]
    [InlineData("FullInboxMode", "7", "PluginHost:Broker:FullInboxMode must be Wait or Fail")]
    [InlineData("FullInboxMode", "Sometimes", "PluginHost:Broker:FullInboxMode")]
    public async Task BadValuesStopTheHostNamingTheKey(string key, string value, string message)
    {
        using var host = Build(new() { [$"PluginHost:Broker:{key}"] = value });

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains(message, failure.Message);
    }

    [Fact]
    public void TheBrokerRefusesInvalidOptionsGivenDirectly() =>
        Assert.Throws<OptionsValidationException>(() =>
            new MessageBroker(new BrokerOptions { InboxCapacity = 0 }, NullLogger<MessageBroker>.Instance, new InProcessTransport()));
}
