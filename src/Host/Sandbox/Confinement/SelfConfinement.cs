using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using PluginHost.Host.Sandbox.Native;

namespace PluginHost.Host.Sandbox.Confinement;

/// <summary>
/// Confines this whole process by confining the calling thread — no_new_privs, the Landlock ruleset, every
/// capability dropped — and then re-executing the process image with the same command line plus
/// <c>extraArguments</c>. Landlock and capabilities are per thread, so the .NET runtime's other threads (and those it
/// would start from them) stay outside; execve ends them all, and the one process that remains starts with the
/// calling thread's credentials, domain included. The seccomp filter is the re-executed process's to install (it
/// would otherwise deny this very execve).
/// </summary>
internal static unsafe class SelfConfinement
{
    /// <summary>
    /// Returns only by throwing: by then the calling thread may be confined already, so the process should end.
    /// <paramref name="abi"/> 0: no Landlock (the kernel has none); the rest still applies.
    /// </summary>
    public static void ReExecute(ConfinementPlan plan, int abi, IReadOnlyList<string> extraArguments, IReadOnlyDictionary<string, string> extraEnvironment)
    {
        var executable = ExecutablePath();
        var arguments = CommandLine().Concat(extraArguments).ToList();
        var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => ((string)e.Key, (string?)e.Value ?? ""))
            .Where(e => !extraEnvironment.ContainsKey(e.Item1))
            .Concat(extraEnvironment.Select(e => (e.Key, e.Value)))
            .Select(e => $"{e.Item1}={e.Item2}")
            .ToList();

        using var ruleset = abi > 0 ? plan.ToRuleset(abi) : null;
        // Everything execve needs is in native memory before the thread is confined: nothing after that reads a file.
        var path = Utf8(executable);
        var argv = Array(arguments);
        var envp = Array(environment);
        try
        {
            Kernel.SetNoNewPrivileges();
            Capabilities.DropAll();
            ruleset?.RestrictCallingThread();
            Kernel.Execve(path, argv, envp);
        }
        finally
        {
            // Reached only when something failed; the memory would otherwise go with the old process image.
            Free(argv, arguments.Count);
            Free(envp, environment.Count);
            NativeMemory.Free(path);
        }
    }

    /// <summary>The running executable (for <c>dotnet pluginhost.dll</c>, the dotnet host), resolved.</summary>
    private static string ExecutablePath() =>
        new FileInfo("/proc/self/exe").ResolveLinkTarget(returnFinalTarget: true)?.FullName
        ?? Environment.ProcessPath
        ?? throw new InvalidOperationException("Cannot tell which executable runs this process.");

    /// <summary>This process's argv as the kernel has it: <c>dotnet pluginhost.dll check ...</c> or <c>pluginhost check ...</c>.</summary>
    private static IEnumerable<string> CommandLine() =>
        Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline")).TrimEnd('\0').Split('\0');

    private static byte* Utf8(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        var bytes = (byte*)NativeMemory.Alloc((nuint)count + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(bytes, count));
        bytes[count] = 0;
        return bytes;
    }

    private static byte** Array(IReadOnlyList<string> values)
    {
        var array = (byte**)NativeMemory.Alloc((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
            array[i] = Utf8(values[i]);
        array[values.Count] = null;
        return array;
    }

    private static void Free(byte** array, int count)
    {
        for (var i = 0; i < count; i++)
            NativeMemory.Free(array[i]);
        NativeMemory.Free(array);
    }
}
