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
/// before the rule itself.
/// </summary>
internal static unsafe partial class AuditHook
{
    internal static void Install(PolicyRegistry registry)
    {
        if (Interop.PySys_AddAuditHook((nint)(delegate* unmanaged<byte*, nint, nint, int>)&OnEvent, registry.Handle) != 0)
            throw new InvalidOperationException("PySys_AddAuditHook refused the PluginHost policy hook.");
    }

    [UnmanagedCallersOnly]
    private static int OnEvent(byte* name, nint args, nint userData)
    {
        var kind = AuditEvents.Classify(name);
        if (kind == AuditEvent.None)
            return 0;
        try
        {
            if (GCHandle.FromIntPtr(userData).Target is not PolicyRegistry registry || registry.IsEmpty)
                return 0;
            var policy = registry.Find(PolicyNative.PyInterpreterState_GetID(PolicyNative.PyInterpreterState_Get()));
            return policy is null ? 0 : new Rules(policy, name, args).Apply(kind);
        }
        catch (Exception e)
        {
            // Fail closed: an interpreter under a policy does not get a call whose check broke.
            try
            {
                Interop.PyErr_SetString(LibPython.PermissionErrorType, $"the PluginHost policy check failed: {e.Message}");
            }
            catch (Exception fatal)
            {
                Environment.FailFast("The PluginHost audit hook could not report an error to Python", fatal);
            }
            return -1;
        }
    }
}
