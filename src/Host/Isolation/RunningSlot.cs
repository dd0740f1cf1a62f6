using System.IO.MemoryMappedFiles;

namespace PluginHost.Host.Isolation;

/// <summary>
/// One 8-byte cell shared by the host and its worker (a mapped file in the channel's <c>0700</c> folder): the number
/// of the delivery whose handlers run in the worker now, 0 between them. Written by the worker's interpreter thread
/// as each handler run starts and ends (a store, no frame); read by the host only once the worker is gone, to charge
/// a crash to the message that was running — its outcomes travel in runs and may not have left when it died.
/// </summary>
internal sealed class RunningSlot : IDisposable
{
    public const string FileName = "running";

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;

    private RunningSlot(MemoryMappedFile file)
    {
        _file = file;
        _view = file.CreateViewAccessor(0, sizeof(long));
    }

    /// <summary>The host's side: creates the file in <paramref name="folder"/> (removed with it; the mapping stays).</summary>
    public static RunningSlot Create(string folder) =>
        new(MemoryMappedFile.CreateFromFile(Path.Combine(folder, FileName), FileMode.CreateNew, null, sizeof(long), MemoryMappedFileAccess.ReadWrite));

    /// <summary>The worker's side, beside its channel socket; null when there is none (the host made none).</summary>
    public static RunningSlot? Open(string channelPath)
    {
        var path = Path.Combine(Path.GetDirectoryName(channelPath) ?? ".", FileName);
        try
        {
            return new RunningSlot(MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public long Read() => _view.ReadInt64(0);

    public void Write(long delivery) => _view.Write(0, delivery);

    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
