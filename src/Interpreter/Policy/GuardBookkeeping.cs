using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>What a guarded call leaves for later rules: the children an interpreter started, the descriptors it made.</summary>
internal static class GuardBookkeeping
{
    private const long F_DUPFD = 0, F_DUPFD_CLOEXEC = 1030;

    /// <summary>Notes what <paramref name="result"/> (a new reference CPython hands back, borrowed here) means.</summary>
    internal static void Note(CompiledPolicy policy, GuardAfter after, in Guard.CallArguments call, nint result)
    {
        switch (after)
        {
            case GuardAfter.RecordChild when Int(result) is > 0 and var pid:
                policy.AddChild(pid);
                break;
            case GuardAfter.ForgetChild when Interop.HasTypeFlag(result, Interop.Py_TPFLAGS_TUPLE_SUBCLASS) && Int(Interop.NoThrow.PyTuple_GetItem(result, 0)) is > 0 and var reaped:
                policy.ForgetChild(reaped);
                break;
            case GuardAfter.RecordDescriptors:
                RecordAll(policy, result);
                break;
            case GuardAfter.RecordDuplicate when Int(call.Positional(1)) is F_DUPFD or F_DUPFD_CLOEXEC && Int(result) is { } duplicate:
                policy.RecordDescriptor(duplicate);
                break;
            case GuardAfter.ForgetDescriptor when Int(call.Positional(0)) is { } closed:
                policy.ForgetDescriptor(closed);
                break;
            case GuardAfter.ForgetRange when Int(call.Positional(0)) is { } low && Int(call.Positional(1)) is { } high:
                policy.ForgetDescriptors(low, high);
                break;
        }
    }

    // An int, or a tuple of them or of objects with fileno() (socketpair's sockets, accept's (fd, address)).
    private static void RecordAll(CompiledPolicy policy, nint result)
    {
        if (Int(result) is { } fd)
        {
            policy.RecordDescriptor(fd);
            return;
        }
        if (!Interop.HasTypeFlag(result, Interop.Py_TPFLAGS_TUPLE_SUBCLASS))
            return;
        for (var i = 0; i < Interop.NoThrow.PyTuple_Size(result); i++)
        {
            var item = Interop.NoThrow.PyTuple_GetItem(result, i);
            if (Int(item) is { } number)
            {
                policy.RecordDescriptor(number);
                continue;
            }
            var fileno = Interop.NoThrow.PyObject_CallMethodNoArgs(item, "fileno");
            if (Int(fileno) is { } owned)
                policy.RecordDescriptor(owned);
            Interop.DecRef(fileno);
            Interop.NoThrow.PyErr_Clear();
        }
    }

    private static long? Int(nint o) => Interop.NoThrow.AsLong(o);
}
