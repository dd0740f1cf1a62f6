using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// The one process-wide native audit hook (<c>PySys_AddAuditHook</c>, registered before initialisation, so no Python
/// code can remove it). CPython calls it for every audit event in every interpreter, with the raising interpreter's
/// thread state attached: it finds that interpreter's policy by id in the <see cref="PolicyRegistry"/> its user data
/// points at, and denies with <c>PermissionError</c> what the policy does not grant. The main interpreter and
/// interpreters without a policy are never restricted. Fast path: an event the policy does not act on returns after a
/// byte compare (see <see cref="AuditEvents"/>); an event it acts on costs two native calls and a dictionary lookup
/// before the rule itself. The <see cref="NativeGuards"/> bring the C functions CPython does not audit to the same
/// rules (<see cref="Judge"/>).
/// </summary>
internal static unsafe partial class AuditHook
{
    internal static void Install(PolicyRegistry registry)
    {
        if (!Interop.AddAuditHook((nint)(delegate* unmanaged<byte*, nint, nint, int>)&OnEvent, registry.Handle))
            throw new InvalidOperationException("PySys_AddAuditHook refused the PluginHost policy hook.");
    }

    /// <summary>
    /// One call against one interpreter's policy, as event <paramref name="name"/> of kind <paramref name="kind"/>
    /// with the arguments tuple <paramref name="args"/> (borrowed): 0 allows, -1 denies with PermissionError set.
    /// </summary>
    internal static int Judge(CompiledPolicy policy, AuditEvent kind, byte* name, nint args)
    {
        try
        {
            return new Rules(policy, name, args).Apply(kind);
        }
        catch (Exception e)
        {
            return FailClosed(e);
        }
    }

    /// <summary>An interpreter under a policy does not get a call whose check broke: PermissionError, -1.</summary>
    internal static int FailClosed(Exception e)
    {
        try
        {
            Interop.Raise(LibPython.PermissionErrorType, $"the PluginHost policy check failed: {e.Message}");
        }
        catch (Exception fatal)
        {
            Environment.FailFast("The PluginHost policy could not report an error to Python", fatal);
        }
        return -1;
    }

    /// <summary>repr(o) for messages, at most 200 characters; empty when it fails.</summary>
    internal static string ReprOf(nint o) => Rules.Repr(o);

    [UnmanagedCallersOnly]
    private static int OnEvent(byte* name, nint args, nint userData)
    {
        try
        {
            var kind = AuditEvents.Classify(name);
            if (kind == AuditEvent.None)
                return 0;
            if (GCHandle.FromIntPtr(userData).Target is not PolicyRegistry registry || registry.IsEmpty)
                return 0;
            var policy = registry.Find(Interop.CurrentInterpreterId());
            return policy is null ? 0 : Judge(policy, kind, name, args);
        }
        catch (Exception e)
        {
            return FailClosed(e);
        }
    }
}
