using PluginHost.Host.Sandbox.Confinement;

namespace PluginHost.Host.Cli;

/// <summary>
/// <c>pluginhost [run|list|top|validate|check|new|help] [arguments] [--Section:Key=Value ...]</c>. A tiny parser on
/// purpose: a few verbs and flags do not need a framework, and configuration overrides pass through untouched.
/// </summary>
internal static class CommandLine
{
    public static ParsedCommand Parse(IReadOnlyList<string> args)
    {
        var verb = CommandVerb.Run;
        var start = 0;
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            CommandVerb? named = args[0] switch
            {
                "run" => CommandVerb.Run,
                "list" => CommandVerb.List,
                "top" => CommandVerb.Top,
                "validate" => CommandVerb.Validate,
                "check" => CommandVerb.Check,
                "new" => CommandVerb.New,
                "help" => CommandVerb.Help,
                _ => null,
            };
            if (named is null)
                return Invalid($"unknown command '{args[0]}'");
            verb = named.Value;
            start = 1;
        }

        var configuration = new List<string>();
        string? folder = null;
        var json = false;
        var dotnet = false;
        var confinement = CheckConfinement.Confine;
        string? name = null;
        int? count = null;
        var help = verb == CommandVerb.Help;
        foreach (var arg in args.Skip(start))
        {
            if (arg is "--help" or "-h" or "-?")
                help = true;
            else if (arg == "--json" && verb is CommandVerb.List or CommandVerb.Validate or CommandVerb.Check)
                json = true;
            else if (arg == "--dotnet" && verb == CommandVerb.New)
                dotnet = true;
            else if (arg == "--no-confine" && verb == CommandVerb.Check)
                confinement = CheckConfinement.Off;
            else if (arg == CheckSandbox.InsideFlag && verb == CommandVerb.Check)
                confinement = CheckConfinement.Inside;
            else if (verb == CommandVerb.Top && arg.StartsWith("--count=", StringComparison.Ordinal))
            {
                if (!int.TryParse(arg["--count=".Length..], System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
                    return Invalid($"--count needs a whole number of refreshes, 1 or more: '{arg}'");
                count = n;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') > 2)
                configuration.Add(arg);
            else if (arg.StartsWith('-'))
                return Invalid($"unknown option '{arg}'; configuration overrides take the form --Section:Key=Value");
            else if (verb == CommandVerb.New && name is null)
                name = arg;
            else if (verb is CommandVerb.Validate or CommandVerb.Check or CommandVerb.New && folder is null)
                folder = arg;
            else
                return Invalid($"unexpected argument '{arg}'");
        }

        if (help)
            return new ParsedCommand(CommandVerb.Help, configuration);
        if (verb == CommandVerb.Validate && folder is null)
            return Invalid("validate needs a plugin folder: pluginhost validate <folder>");
        if (verb == CommandVerb.Check && folder is null)
            return Invalid("check needs a plugin folder: pluginhost check <folder>");
        if (verb == CommandVerb.New && name is null)
            return Invalid("new needs a plugin name: pluginhost new <name> [folder] [--dotnet]");
        return new ParsedCommand(verb, configuration) { Folder = folder, Json = json, Name = name, DotNet = dotnet, Confinement = confinement, Count = count };
    }

    public static void WriteHelp(TextWriter output) => output.Write(
        """
        Usage: pluginhost [command] [options] [--Section:Key=Value ...]

        Commands:
          run                 Start the host and run the enabled plugins until stopped (default).
          list [--json]       List discovered plugins: name, version, instances, state, folder, load error.
          top [--count=N]     A live table of the running host's instances (state, messages per second
                              in and out, inbox, failures, restarts, memory) from PluginHost:StatusFile,
                              refreshed every second until Ctrl+C or N refreshes; plain text, once
                              unless --count says more, when output is not a terminal.
          validate <folder> [--json]
                              Check one plugin folder (plugin.json, its Python's syntax, its dotnet/
                              assemblies) without starting the host. Exit code 0 when valid, 1 when not.
          check <folder> [--json] [--no-confine]
                              Import one plugin in an isolated interpreter under its capabilities,
                              without starting the host: which modules can run isolated and which
                              cannot (and why), which capabilities it used or was denied. Exit code
                              0 when it can run isolated, 1 when not. See docs/isolation.md.
                              The check runs confined by the kernel where it can (Landlock to the
                              files it needs, no capabilities, seccomp); --no-confine runs it in an
                              ordinary process. See docs/kernel-backstop.md.
          new <name> [folder] [--dotnet]
                              Create a working plugin in folder (default ./<name>): plugin.json, main.py,
                              type stubs and schema for editors; with --dotnet also a .NET project (src/)
                              whose host function the Python side calls. See docs/dotnet-plugins.md.
          help                Show this text.

        Configuration overrides, e.g. --PluginHost:StopTimeout=00:00:05 or
        --PluginHost:Plugins:echo:Enabled=false, override appsettings.json and PLUGINHOST_ environment
        variables. See docs/configuration.md.

        """);

    private static ParsedCommand Invalid(string error) => new(CommandVerb.Help, []) { Error = error };
}
