namespace PluginHost.Host.Lifecycle.Live;

/// <summary>
/// Watches folders (recursively) or single files and says which changed. Bytecode caches written by the plugins
/// themselves are not changes. A watch the kernel refuses (inotify's per-user limit) is reported once and skipped:
/// SIGHUP still applies changes. A live change re-arms the watch with the folders it then has.
/// </summary>
internal sealed class FolderWatch : IDisposable
{
    /// <summary>A folder and everything under it, or (with <see cref="File"/>) one file in it.</summary>
    public sealed record Target(string Folder, string? File = null)
    {
        public string Display => File is null ? Folder : Path.Combine(Folder, File);
    }

    private readonly Dictionary<Target, FileSystemWatcher?> _watchers = [];

    /// <summary>Called with the target's display name; from a watcher's thread.</summary>
    public Action<string>? Changed { get; set; }

    /// <summary>Called when a target cannot be watched, with why.</summary>
    public Action<string, string>? Failed { get; set; }

    /// <summary>Watches exactly <paramref name="targets"/> from now on (those whose folder exists).</summary>
    public void Watch(IEnumerable<Target> targets)
    {
        var wanted = targets.Where(t => Directory.Exists(t.Folder)).ToHashSet();
        lock (_watchers)
        {
            foreach (var gone in _watchers.Keys.Where(k => !wanted.Contains(k)).ToList())
            {
                _watchers[gone]?.Dispose();
                _watchers.Remove(gone);
            }
            foreach (var target in wanted.Where(t => !_watchers.ContainsKey(t)))
                _watchers.Add(target, Start(target));
        }
    }

    private FileSystemWatcher? Start(Target target)
    {
        var watcher = new FileSystemWatcher(target.Folder, target.File ?? "*")
        {
            IncludeSubdirectories = target.File is null,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Changed += (_, e) => OnChange(target, e.FullPath);
        watcher.Created += (_, e) => OnChange(target, e.FullPath);
        watcher.Deleted += (_, e) => OnChange(target, e.FullPath);
        watcher.Renamed += (_, e) => OnChange(target, e.FullPath);
        watcher.Error += (_, _) => Changed?.Invoke(target.Display);   // events lost (buffer overflow): re-read all the same
        try
        {
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            watcher.Dispose();
            Failed?.Invoke(target.Display, e.Message);
            return null;
        }
    }

    private void OnChange(Target target, string path)
    {
        if (path.Contains($"{Path.DirectorySeparatorChar}__pycache__", StringComparison.Ordinal))
            return;
        Changed?.Invoke(target.Display);
    }

    public void Dispose()
    {
        lock (_watchers)
        {
            foreach (var watcher in _watchers.Values)
                watcher?.Dispose();
            _watchers.Clear();
        }
    }
}
