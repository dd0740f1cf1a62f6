using System.Runtime.InteropServices;

namespace PluginHost.Host.Tests.RedTeam;

/// <summary>
/// What a plugin must never change in the process it shares: the working directory, umask, native environment,
/// descriptors 0–2 (what each refers to and its flags), session, process group and controlling terminal, resource
/// limits, and the files the red team's attacks aim at. Read from /proc and libc, not through .NET's caches.
/// </summary>
internal sealed record ProcessState(
    string WorkingDirectory,
    string Umask,
    string Environment,
    string StandardStreams,
    string Session,
    string Limits,
    string Files)
{
    public static ProcessState Capture() => new(
        System.Environment.CurrentDirectory + " | " + ReadLink("/proc/self/cwd"),
        Field("/proc/self/status", "Umask:"),
        NativeEnvironment(),
        string.Join(" | ", Enumerable.Range(0, 3).Select(Descriptor)),
        SessionFields(),
        File.ReadAllText("/proc/self/limits"),
        string.Join(" | ", AttackedFiles()));

    /// <summary>The differences, one line each, for an assertion message.</summary>
    public IEnumerable<string> Differences(ProcessState after)
    {
        if (WorkingDirectory != after.WorkingDirectory) yield return $"cwd: {WorkingDirectory} -> {after.WorkingDirectory}";
        if (Umask != after.Umask) yield return $"umask: {Umask} -> {after.Umask}";
        if (Environment != after.Environment) yield return "the native environment changed";
        if (StandardStreams != after.StandardStreams) yield return $"fds 0-2: {StandardStreams} -> {after.StandardStreams}";
        if (Session != after.Session) yield return $"session: {Session} -> {after.Session}";
        if (Limits != after.Limits) yield return "resource limits changed";
        if (Files != after.Files) yield return $"files: {Files} -> {after.Files}";
    }

    private static string Descriptor(int fd)
    {
        var target = ReadLink($"/proc/self/fd/{fd}");
        var flags = File.Exists($"/proc/self/fdinfo/{fd}") ? Field($"/proc/self/fdinfo/{fd}", "flags:") : "closed";
        return $"{fd}={target} flags {flags}";
    }

    // /proc/self/stat: pid (comm) state ppid pgrp session tty_nr tpgid ...
    private static string SessionFields()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return $"pgrp {fields[2]} session {fields[3]} tty {fields[4]}";
    }

    private static IEnumerable<string> AttackedFiles()
    {
        foreach (var directory in new[] { "/tmp", "/dev/shm", "/etc" })
        {
            foreach (var path in Directory.EnumerateFileSystemEntries(directory, "*pluginhost-redteam*").Order(StringComparer.Ordinal))
                yield return path;
        }
        var os = Directory.EnumerateFiles("/root/.pyenv/versions", "os.py", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 });
        foreach (var file in os.Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            yield return $"{file} {info.UnixFileMode} {info.LastWriteTimeUtc:O} {info.Length}";
        }
    }

    private static string ReadLink(string path) => new FileInfo(path).LinkTarget ?? "?";

    private static string Field(string file, string name) =>
        File.ReadLines(file).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?[name.Length..].Trim() ?? "";

    private static string NativeEnvironment()
    {
        var entries = new List<string>();
        var libc = NativeLibrary.Load("libc.so.6");
        var environ = Marshal.ReadIntPtr(NativeLibrary.GetExport(libc, "environ"));
        for (var i = 0; Marshal.ReadIntPtr(environ, i * IntPtr.Size) is var entry && entry != 0; i++)
            entries.Add(Marshal.PtrToStringUTF8(entry) ?? "");
        entries.Sort(StringComparer.Ordinal);
        return string.Join('\n', entries);
    }
}
