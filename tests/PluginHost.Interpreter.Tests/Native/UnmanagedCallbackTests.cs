using System.Reflection;
using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Tests.Native;

/// <summary>
/// A .NET exception that unwinds out of an <c>[UnmanagedCallersOnly]</c> method into CPython's frames kills the
/// process. Every such callback in the host's assemblies must catch <see cref="Exception"/> around its whole body
/// (the firewall: a Python exception and the C API's error return, or an unraisable report where C has no error
/// return), or be listed here as unable to throw, with the reason.
/// </summary>
public sealed class UnmanagedCallbackTests
{
    /// <summary>Callbacks without the firewall, each with why nothing in it can throw.</summary>
    private static readonly Dictionary<string, string> CannotThrow = new()
    {
        ["SdkModule.Init"] = "one blittable P/Invoke (PyModuleDef_Init), which returns its argument",
        ["SdkModule.Traverse"] = "reads module state into a stackalloc'd span and calls the C visitor: no allocation, no managed call",
        ["SdkModule.Clear"] = "ClearState: P/Invokes (PyModule_GetState, Py_DecRef) and pointer writes",
        ["ContextType.Traverse"] = "reads fields into a stackalloc'd span and calls the C visitor",
        ["ContextType.Clear"] = "Py_DecRef of three fields (P/Invokes)",
        ["ContextType.Dealloc"] = "P/Invokes (GC_UnTrack, GetSlot, Py_DecRef) and the type's C tp_free",
        ["AsyncStepType.Traverse"] = "pointer reads and calls of the C visitor",
        ["AsyncStepType.Clear"] = "Py_DecRef of one field (a P/Invoke)",
        ["AsyncStepType.Dealloc"] = "P/Invokes (GC_UnTrack, GetSlot, Py_DecRef) and the type's C tp_free",
        ["MessageType.Traverse"] = "pointer reads and calls of the C visitor",
        ["MessageType.Clear"] = "Py_DecRef of two fields (P/Invokes)",
        ["StreamType.Traverse"] = "one call of the C visitor",
        ["StreamType.Dealloc"] = "P/Invokes (GC_UnTrack, GetSlot, Py_DecRef) and the type's C tp_free",
        ["StreamType.Flush"] = "returns None: Py_IncRef of an immortal object (P/Invoke)",
        ["StreamType.False"] = "returns False: Py_IncRef of an immortal object (P/Invoke)",
        ["StreamType.True"] = "returns True: Py_IncRef of an immortal object (P/Invoke)",
        ["SqliteConnections.Authorize"] = "compares C strings as spans over native memory: no allocation, no call that throws",
        ["LargeAllocations.Malloc"] = "pointer arithmetic, Interlocked and calls through the previous allocator's C function pointers; the one managed lookup (DetachedInterpreter) has its own catch",
        ["LargeAllocations.Calloc"] = "as Malloc",
        ["LargeAllocations.Realloc"] = "as Malloc",
        ["LargeAllocations.Free"] = "as Malloc, without the lookup",
        ["StreamEncodingSwap.Skip"] = "one Interlocked.Increment of a static field",
    };

    private static IEnumerable<MethodInfo> Callbacks() =>
        new[] { typeof(PythonRuntime).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<UnmanagedCallersOnlyAttribute>() is not null);

    private static string NameOf(MethodInfo m) => $"{m.DeclaringType!.Name}.{m.Name}";

    /// <summary>A catch of System.Exception whose try region starts at the method's first statement (a local's initialisation may precede it) and whose handler ends at the epilogue.</summary>
    private static bool Firewalled(MethodInfo m)
    {
        var body = m.GetMethodBody()!;
        var length = body.GetILAsByteArray()!.Length;
        return body.ExceptionHandlingClauses.Any(c =>
            c.Flags == ExceptionHandlingClauseOptions.Clause && c.CatchType == typeof(Exception)
            && c.TryOffset <= 4 && c.HandlerOffset + c.HandlerLength >= length - 8);
    }

    [Fact]
    public void EveryCallbackIsFirewalledOrListedAsUnableToThrow()
    {
        var callbacks = Callbacks().ToList();
        Assert.True(callbacks.Count >= 30, $"only {callbacks.Count} callbacks found: is the reflection looking in the right place?");
        var unprotected = callbacks.Where(m => !Firewalled(m)).Select(NameOf).Order().ToList();
        Assert.Equal(CannotThrow.Keys.Order(), unprotected);
    }

    [Fact]
    public void TheFirewallCheckTellsAGuardedBodyFromAnUnguardedOne()
    {
        Assert.True(Firewalled(typeof(UnmanagedCallbackTests).GetMethod(nameof(Guarded), BindingFlags.Static | BindingFlags.NonPublic)!));
        Assert.False(Firewalled(typeof(UnmanagedCallbackTests).GetMethod(nameof(Unguarded), BindingFlags.Static | BindingFlags.NonPublic)!));
        Assert.False(Firewalled(typeof(UnmanagedCallbackTests).GetMethod(nameof(GuardedLate), BindingFlags.Static | BindingFlags.NonPublic)!));
    }

    private static int Guarded(int x)
    {
        try
        {
            return checked(x * 1000);
        }
        catch (Exception)
        {
            return -1;
        }
    }

    private static int Unguarded(int x) => checked(x * 1000);

    private static int GuardedLate(int x)
    {
        var y = checked(x * 1000 + x * 7 - x / 3);   // outside the try
        try
        {
            return checked(y * 1000);
        }
        catch (Exception)
        {
            return -1;
        }
    }
}
