namespace PluginHost.Host.Lifecycle.Live;

/// <summary>
/// Watches plugin directories (recursively) and says which changed. Bytecode caches written by the plugins themselves
/// are not changes. A directory that does not exist yet is watched from its nearest existing parent's next check:
/// a live change re-arms the watch with the folders it then has.
/// </summary>
internal sealed class PluginFolderWatch : IDisposable
{
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);

    public Action<string>? Changed { get; set; }

    /// <summary>Watches exactly <paramref name="folders"/> from now on (those that exist).</summary>
    public void Watch(IEnumerable<string> folders)
    {
        var wanted = folders.Where(Directory.Exists).ToHashSet(StringComparer.Ordinal);
        lock (_watchers)
        {
            foreach (var gone in _watchers.Keys.Where(k => !wanted.Contains(k)).ToList())
            {
                _watchers[gone].Dispose();
                _watchers.Remove(gone);
            }
            foreach (var folder in wanted.Where(f => !_watchers.ContainsKey(f)))
            {
                var watcher = new FileSystemWatcher(folder)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                watcher.Changed += (_, e) => OnChange(folder, e.FullPath);
                watcher.Created += (_, e) => OnChange(folder, e.FullPath);
                watcher.Deleted += (_, e) => OnChange(folder, e.FullPath);
                watcher.Renamed += (_, e) => OnChange(folder, e.FullPath);
                watcher.Error += (_, _) => Changed?.Invoke(folder);   // events lost (buffer overflow): re-read all the same
                watcher.EnableRaisingEvents = true;
                _watchers.Add(folder, watcher);
            }
        }
    }

    private void OnChange(string folder, string path)
    {
        if (path.Contains($"{Path.DirectorySeparatorChar}__pycache__", StringComparison.Ordinal))
            return;
        Changed?.Invoke(folder);
    }

    public void Dispose()
    {
        lock (_watchers)
        {
            foreach (var watcher in _watchers.Values)
                watcher.Dispose();
            _watchers.Clear();
        }
    }
}
