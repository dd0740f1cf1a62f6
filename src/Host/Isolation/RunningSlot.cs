using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;
using PluginHost.Interpreter.Contract;

namespace PluginHost.Host.Isolation;

/// <summary>
/// A page shared by the host and its worker (a mapped file in the channel's <c>0700</c> folder): the number of the
/// delivery whose handlers run in the worker now (0 between them), and how each recent delivery ended, one cell per
/// slot of the window. Written by the worker's interpreter thread as each handler run starts and ends (stores, no
/// frame); read by the host only once the worker is gone — outcomes travel in runs and may not have left when it
/// died — to charge a crash to the message that was running and to count those that had finished as they ended.
/// </summary>
internal sealed class RunningSlot : IDisposable
{
    public const string FileName = "running";

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly SafeFileHandle? _handle;   // the worker's: passed on when it re-executes into its sandbox

    /// <summary>Outcome cells: at least the window, so the deliveries in flight never share one.</summary>
    private const int Cells = WorkerRuntime.Window;

    private const long Size = sizeof(long) * (1 + Cells);

    private RunningSlot(MemoryMappedFile file, SafeFileHandle? handle = null)
    {
        _file = file;
        _handle = handle;
        _view = file.CreateViewAccessor(0, Size);
    }

    /// <summary>The worker's open descriptor of the file (close-on-exec until the sandbox keeps it).</summary>
    public int Descriptor => (int)(_handle ?? throw new InvalidOperationException("the host's side has no descriptor to pass")).DangerousGetHandle();

    /// <summary>The host's side: creates the file in <paramref name="folder"/> (removed with it; the mapping stays).</summary>
    public static RunningSlot Create(string folder) =>
        new(MemoryMappedFile.CreateFromFile(Path.Combine(folder, FileName), FileMode.CreateNew, null, Size, MemoryMappedFileAccess.ReadWrite));

    /// <summary>The worker's side, beside its channel socket; null when there is none (the host made none).</summary>
    public static RunningSlot? Open(string channelPath)
    {
        var path = Path.Combine(Path.GetDirectoryName(channelPath) ?? ".", FileName);
        try
        {
            return FromHandle(File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The worker's side after it re-executed into its sandbox: the descriptor it kept open (owned from here on).</summary>
    public static RunningSlot Inherit(int descriptor) => FromHandle(new SafeFileHandle(descriptor, ownsHandle: true));

    private static RunningSlot FromHandle(SafeFileHandle handle) =>
        new(MemoryMappedFile.CreateFromFile(handle, null, Size, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true), handle);

    public long Read() => _view.ReadInt64(0);

    public void Write(long delivery) => _view.Write(0, delivery);

    /// <summary>The worker's side: <paramref name="delivery"/>'s handlers ended with <paramref name="result"/>.</summary>
    public void Ended(long delivery, HandlerResult result) => _view.Write(Cell(delivery), delivery << 8 | (long)(byte)result);

    /// <summary>How <paramref name="delivery"/> ended in the worker, or null when it had not (or its cell was reused).</summary>
    public HandlerResult? EndOf(long delivery)
    {
        var cell = _view.ReadInt64(Cell(delivery));
        return cell >> 8 == delivery ? (HandlerResult)(byte)(cell & 0xFF) : null;
    }

    private static long Cell(long delivery) => sizeof(long) * (1 + delivery % Cells);

    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
        _handle?.Dispose();
    }
}
