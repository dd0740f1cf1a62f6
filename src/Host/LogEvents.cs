namespace PluginHost.Host;

/// <summary>
/// The event id of every log line the host writes (<see cref="Log"/>), named for its log method. Operators filter
/// and alert on these numbers and the docs cite them: a number never changes meaning and a retired one is not reused.
/// Ranges by area (docs/logging.md):
/// 1000–1099 plugin lifecycle (start, stop, restart, memory, status file; 1008 retired);
/// 1100–1199 the plugins' own logging and output; 1200–1299 messages inside a plugin instance (handlers, inbox);
/// 1300–1399 the broker (routing, dead letters, the undelivered file, totals); 1400–1499 health;
/// 1500–1599 policy decisions; 1600–1699 plugins' .NET assemblies and host functions; 1700–1799 the kernel backstop; 1900–1919 the NATS transport.
/// The interpreter assembly's own lines are 2000–2099 (PluginHost.Interpreter.LogEvents).
/// </summary>
internal static class LogEvents
{
    // 1000–1099: plugin lifecycle.
    public const int PluginStarting = 1000;
    public const int PluginRunning = 1001;
    public const int PluginFailed = 1002;
    public const int PluginNotLoadable = 1003;
    public const int PluginDisabled = 1004;
    public const int PluginStopping = 1005;
    public const int StopHookFailed = 1006;
    public const int PluginsStarted = 1007;
    public const int DiscoveryWarning = 1009;
    public const int PluginRestarting = 1010;
    public const int PluginFailedForGood = 1011;
    public const int InterpreterAbandoned = 1012;
    public const int MemorySampled = 1013;
    public const int MemorySampleFailed = 1014;
    public const int StatusFileFailed = 1015;
    public const int MemoryLimitWithoutLargeBlocks = 1016;
    public const int InterpreterLeftRunning = 1017;
    public const int StartCancelled = 1018;
    public const int InstanceStopFailed = 1019;
    public const int PluginsStopped = 1020;
    public const int InterpreterEndFailed = 1021;
    public const int WatchFailed = 1022;

    // 1050–1069: configuration at start.
    public const int ConfigurationLoaded = 1050;
    public const int ConfigurationWarning = 1051;
    public const int HangupReceived = 1052;

    // 1060–1069: live changes (configuration reloaded, plugin folders changed, SIGHUP).
    public const int LiveChangeRequested = 1060;
    public const int LiveChangeRejected = 1061;
    public const int LiveChangeApplied = 1062;
    public const int PluginAdding = 1063;
    public const int PluginRemoving = 1064;
    public const int PluginScaling = 1065;
    public const int PluginReplacing = 1066;
    public const int PluginReplaced = 1067;
    public const int PluginRolledBack = 1068;
    public const int PluginChangeRejected = 1069;
    public const int NeedsRestart = 1080;
    public const int MessagesHandedBack = 1081;
    public const int CannotWatch = 1082;

    // 1070–1079: start order and start time.
    public const int DependencyNotRunning = 1070;

    // 1100–1199: what plugins log and print.
    public const int PythonRecord = 1100;
    public const int PythonOutput = 1101;

    // 1200–1299: messages inside a plugin instance.
    public const int HandlerFailed = 1200;
    public const int UndeliveredAtStop = 1201;
    public const int HandlerTimedOut = 1202;
    public const int InboxDeliveryFailed = 1203;

    // 1300–1399: the broker.
    public const int MessageDropped = 1300;
    public const int DeadLettered = 1301;
    public const int DeadLetterUnrouted = 1302;
    public const int DeadLetterFailed = 1303;
    public const int RequestFailed = 1304;
    public const int Retrying = 1305;
    public const int Unrouted = 1306;
    public const int UnroutedSummary = 1307;
    public const int LateReply = 1308;
    public const int Rejected = 1309;
    public const int OutcomeFailed = 1310;
    public const int Undecodable = 1311;
    public const int UndecodableRequest = 1312;
    public const int UndeliveredFileUnusable = 1313;
    public const int UndeliveredWriteFailed = 1314;
    public const int UndeliveredNotWritten = 1315;
    public const int OwnerTotals = 1320;
    public const int BrokerTotals = 1321;

    // 1400–1499: health.
    public const int HealthChanged = 1400;

    // 1500–1599: policy decisions.
    public const int PolicyDenied = 1500;
    public const int PolicyDeniedAgain = 1501;
    public const int PolicyDenialSummary = 1502;
    public const int PolicyGranted = 1503;
    public const int PluginExitRequested = 1504;

    // 1600–1699: plugins' .NET assemblies and host functions.
    public const int PluginAssembliesLoaded = 1600;
    public const int PluginAssembliesFailed = 1601;
    public const int PluginAssembliesUnloaded = 1602;
    public const int HostFunctionFailed = 1603;

    // 1700–1799: the kernel backstop.
    public const int BackstopInstalled = 1700;
    public const int BackstopGroup = 1701;
    public const int BackstopUnavailable = 1702;
    public const int BackstopDisabled = 1703;

    // Process isolation: worker processes (Log.Isolation.cs).
    public const int WorkerStarted = 1800;
    public const int WorkerOutput = 1801;
    public const int WorkerExited = 1802;
    public const int WorkerCallFailed = 1803;
    public const int WorkerFallback = 1804;

    // The worker processes' kernel sandbox (Log.WorkerSandbox.cs).
    public const int WorkerSandbox = 1810;
    public const int WorkerSandboxLacking = 1811;
    public const int WorkerSandboxDisabled = 1812;
    public const int WorkerSpawnerFailed = 1813;

    // 1900–1919: the NATS transport (several hosts as one system).
    public const int NatsConnected = 1900;
    public const int NatsDisconnected = 1901;
    public const int NatsReconnected = 1902;
    public const int NatsReconnectFailed = 1903;
    public const int NatsSendFailed = 1904;
    public const int NatsSubscriptions = 1905;
    public const int NatsInboundFailed = 1906;
    public const int NatsTotals = 1907;
    public const int NatsMaxPayloadBelowBroker = 1908;
    public const int NatsSubscribeFailed = 1909;
    public const int NatsDurableStream = 1910;
    public const int NatsDurableDuplicate = 1911;
    public const int NatsDurableConsumerFailed = 1912;
    public const int NatsDurableAckFailed = 1913;
    public const int NatsDurableTotals = 1914;
    // Telemetry: OpenTelemetry export and the local endpoint (Telemetry/Log.Telemetry.cs).
    public const int TelemetryEndpoint = 1920;
}
