using System.Runtime.InteropServices;

namespace PluginHost.Host.Sandbox.Native;

/// <summary>A kernel call failed: which call, and the errno it set.</summary>
internal sealed class KernelException(string call, int errno)
    : Exception($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
{
    public string Call { get; } = call;

    public int Errno { get; } = errno;

    /// <summary>From the errno the last <c>SetLastError = true</c> import left.</summary>
    internal static KernelException LastError(string call) => new(call, Marshal.GetLastPInvokeError());
}
