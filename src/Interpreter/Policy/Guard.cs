using System.Runtime.InteropServices;
using System.Text;
using PluginHost.Interpreter.Modules;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// One guarded C function: the entry point that replaced the original in its <c>PyMethodDef</c>, with the calling
/// convention its flags say. CPython calls it with the caller's thread state attached and its GIL held; it returns
/// the original's result, or NULL with <c>PermissionError</c> set when the interpreter's policy denies the call. No
/// .NET exception leaves it: a failure of the check itself denies (fail closed).
/// </summary>
internal sealed unsafe class Guard
{
    private const int ConventionMask = Interop.METH_VARARGS | Interop.METH_KEYWORDS | Interop.METH_NOARGS | Interop.METH_O | Interop.METH_FASTCALL | Interop.METH_METHOD;

    private readonly PolicyRegistry _registry;
    private readonly nint _original;
    private readonly byte* _event;
    private readonly Delegate _entry;   // rooted here: CPython holds only the function pointer

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint VarArgsEntry(nint self, nint args);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint KeywordsEntry(nint self, nint args, nint kwargs);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint FastEntry(nint self, nint* args, nint nargs);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint FastKeywordsEntry(nint self, nint* args, nint nargs, nint kwnames);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint MethodEntry(nint self, nint definingClass, nint* args, nint nargs, nint kwnames);

    internal Guard(PolicyRegistry registry, GuardTarget target, PyMethodDef* definition)
    {
        _registry = registry;
        Target = target;
        _original = definition->Function;
        Flags = definition->Flags;
        _event = NativeGuards.PermanentUtf8(target.Event);
        _entry = (Flags & ConventionMask) switch
        {
            Interop.METH_VARARGS => new VarArgsEntry(VarArgs),
            Interop.METH_VARARGS | Interop.METH_KEYWORDS => new KeywordsEntry(Keywords),
            Interop.METH_NOARGS or Interop.METH_O => new VarArgsEntry(One),
            Interop.METH_FASTCALL => new FastEntry(Fast),
            Interop.METH_FASTCALL | Interop.METH_KEYWORDS => new FastKeywordsEntry(FastKeywords),
            Interop.METH_METHOD | Interop.METH_FASTCALL | Interop.METH_KEYWORDS => new MethodEntry(Method),
            var other => throw new NotSupportedException($"{target.Module}.{target.Function} has calling convention 0x{other:x}, which the PluginHost guards do not support."),
        };
        EntryPoint = Marshal.GetFunctionPointerForDelegate(_entry);
    }

    internal GuardTarget Target { get; }

    internal int Flags { get; }

    /// <summary>What CPython now calls instead of the original.</summary>
    internal nint EntryPoint { get; }

    private nint VarArgs(nint self, nint args)
    {
        var call = new CallArguments(self, args, 0);
        if (!Check(call, out var policy))
            return 0;
        return Finish(policy, call, ((delegate* unmanaged<nint, nint, nint>)_original)(self, args));
    }

    private nint One(nint self, nint arg)
    {
        var call = CallArguments.Single(self, arg);
        if (!Check(call, out var policy))
            return 0;
        return Finish(policy, call, ((delegate* unmanaged<nint, nint, nint>)_original)(self, arg));
    }

    private nint Keywords(nint self, nint args, nint kwargs)
    {
        var call = new CallArguments(self, args, kwargs);
        if (!Check(call, out var policy))
            return 0;
        return Finish(policy, call, ((delegate* unmanaged<nint, nint, nint, nint>)_original)(self, args, kwargs));
    }

    private nint Fast(nint self, nint* args, nint nargs)
    {
        var call = new CallArguments(self, args, nargs, 0);
        if (!Check(call, out var policy))
            return 0;
        return Finish(policy, call, ((delegate* unmanaged<nint, nint*, nint, nint>)_original)(self, args, nargs));
    }

    private nint FastKeywords(nint self, nint* args, nint nargs, nint kwnames)
    {
        var call = new CallArguments(self, args, nargs, kwnames);
        if (!Check(call, out var policy))
            return 0;
        return Finish(policy, call, ((delegate* unmanaged<nint, nint*, nint, nint, nint>)_original)(self, args, nargs, kwnames));
    }

    private nint Method(nint self, nint definingClass, nint* args, nint nargs, nint kwnames)
    {
        var call = new CallArguments(self, args, nargs, kwnames);
        if (!Check(call, out var policy))
            return 0;
        return Finish(policy, call, ((delegate* unmanaged<nint, nint, nint*, nint, nint, nint>)_original)(self, definingClass, args, nargs, kwnames));
    }

    /// <summary>
    /// After the original returned (it is native: it cannot throw): what the call expected of the events it raised
    /// ends with it; a child it started or reaped, a descriptor it made or closed, is noted (<see cref="GuardAfter"/>).
    /// </summary>
    private nint Finish(CompiledPolicy? policy, in CallArguments call, nint result)
    {
        if (policy is null)
            return result;
        policy.ClearExpectations();
        if (result == 0 || Target.After is GuardAfter.Nothing or GuardAfter.ForgetDescriptor or GuardAfter.ForgetRange)
            return result;
        try
        {
            GuardBookkeeping.Note(policy, Target.After, call, result);
        }
        catch (Exception)
        {
            // Bookkeeping only: what is not recorded is refused later (stricter); what is not forgotten is checked again by identity.
        }
        if (Interop.NoThrow.PyErr_Occurred() != 0)
            Interop.NoThrow.PyErr_Clear();
        return result;
    }

    /// <summary>
    /// Whether the call may go ahead (when not, PermissionError is set), and the caller's policy, whose expectations
    /// for the events this call raises (os.open's dir_fd, code.replace's code.__new__) end with the call.
    /// </summary>
    private bool Check(in CallArguments call, out CompiledPolicy? governing)
    {
        governing = null;
        try
        {
            if (_registry.IsEmpty || _registry.Find(CurrentInterpreter()) is not { } policy)
                return true;
            governing = policy;
            if (Target.Kind == GuardKind.OpenAt)
            {
                NoteDirFd(policy, call);
                return true;
            }
            if (Target.Kind == GuardKind.Observe)
                return true;
            if (Target.OnlyWhenSet is { } condition && call.Get(condition) is var value && (value == 0 || value == LibPython.NoneObject))
                return true;
            if (Target.Rule == AuditEvent.Descriptors && !NeedsJudging(policy, call))
                return Proceed(policy, call);   // the common case (os.write to its own pipe or file), without the event's tuple
            var arguments = Target.Kind == GuardKind.Function ? FunctionArguments(call) : SelectedArguments(call);
            if (arguments == 0)
                return false;
            try
            {
                return AuditHook.Judge(policy, Target.Rule, _event, arguments) == 0 && Proceed(policy, call);
            }
            finally
            {
                Interop.DecRef(arguments);
            }
        }
        catch (Exception e)
        {
            return AuditHook.FailClosed(e) == 0;
        }
    }

    /// <summary>
    /// The call goes ahead. A descriptor it closes stops being the interpreter's now, before the call: the close
    /// releases the GIL, and another thread of the interpreter may be given the same number before this one returns.
    /// </summary>
    private bool Proceed(CompiledPolicy policy, in CallArguments call)
    {
        if (Target.After is GuardAfter.ForgetDescriptor or GuardAfter.ForgetRange)
            GuardBookkeeping.Note(policy, Target.After, call, 0);
        return true;
    }

    /// <summary>Whether a descriptor among the arguments is a standard stream or one the interpreter does not own.</summary>
    private bool NeedsJudging(CompiledPolicy policy, in CallArguments call)
    {
        foreach (var argument in Target.Arguments)
        {
            var fd = call.Get(argument);
            if (fd == 0 || !Interop.HasTypeFlag(fd, Interop.Py_TPFLAGS_LONG_SUBCLASS))
                continue;
            var number = Interop.NoThrow.PyLong_AsLongLong(fd);
            if (number is >= -1 and <= 2 || policy.OwnsDescriptor(number) == false)
            {
                Interop.NoThrow.PyErr_Clear();   // -1 may be an overflow's error: the rules then look at it properly
                return true;
            }
        }
        return false;
    }

    // No decision of its own: the "open" event os.open raises is judged relative to dir_fd (or, without one, to the
    // working directory: stricter, never looser, if this fails).
    private void NoteDirFd(CompiledPolicy policy, in CallArguments call)
    {
        if (Interop.NoThrow.AsLong(call.Get(Target.Arguments[1])) is not { } fd)
            return;
        policy.NoteDirFd(call.Get(Target.Arguments[0]), (int)Math.Clamp(fd, int.MinValue, int.MaxValue));
    }

    private static long CurrentInterpreter() => Interop.CurrentInterpreterId();

    /// <summary>New reference: a tuple of the selected arguments (None where absent); 0 with an exception set.</summary>
    private nint SelectedArguments(in CallArguments call)
    {
        var tuple = Interop.NoThrow.PyTuple_New(Target.Arguments.Length);
        if (tuple == 0)
            return 0;
        for (var i = 0; i < Target.Arguments.Length; i++)
        {
            nint item;
            if (Target.Arguments[i] == GuardArgument.AllKeywords)
            {
                item = call.KeywordsDict();
                if (item == 0)
                {
                    Interop.DecRef(tuple);
                    return 0;
                }
            }
            else
            {
                item = call.Get(Target.Arguments[i]);
                item = item == 0 ? LibPython.NoneObject : item;
                Interop.IncRef(item);
            }
            if (Interop.NoThrow.PyTuple_SetItem(tuple, i, StolenRef.Take(item)) != 0)
            {
                Interop.DecRef(tuple);
                return 0;
            }
        }
        return tuple;
    }

    /// <summary>New reference: (function name, its positional arguments' reprs), as <see cref="GuardedFunctions"/> expects.</summary>
    private nint FunctionArguments(in CallArguments call)
    {
        var detail = new StringBuilder();
        for (var i = 0; i < call.PositionalCount && detail.Length < 200; i++)
            detail.Append(i == 0 ? "" : ", ").Append(AuditHook.ReprOf(call.Positional(i)));
        return Interop.NoThrow.BuildTuple(Target.Event, detail.ToString());
    }

    /// <summary>A call's arguments in any of CPython's calling conventions, read without copying.</summary>
    internal readonly ref struct CallArguments
    {
        private readonly nint* _vector;
        private readonly nint _count;
        private readonly nint _names;   // vectorcall: tuple of keyword names, their values after the positional ones
        private readonly nint _tuple;   // METH_VARARGS
        private readonly nint _dict;
        private readonly nint _single;  // METH_O (NULL for METH_NOARGS)
        private readonly bool _isSingle;
        private readonly nint _self;

        internal CallArguments(nint self, nint* vector, nint count, nint names)
        {
            _self = self;
            _vector = vector;
            _count = count;
            _names = names;
        }

        internal CallArguments(nint self, nint tuple, nint dict)
        {
            _self = self;
            _tuple = tuple;
            _dict = dict;
        }

        private CallArguments(nint self, nint single, bool isSingle)
        {
            _self = self;
            _single = single;
            _isSingle = isSingle;
        }

        internal static CallArguments Single(nint self, nint arg) => new(self, arg, isSingle: true);

        /// <summary>New reference: the keyword arguments as a dict (empty when none); NULL with an exception.</summary>
        internal nint KeywordsDict()
        {
            if (_dict != 0)
            {
                Interop.IncRef(_dict);
                return _dict;
            }
            var dict = Interop.NoThrow.PyDict_New();
            if (dict == 0 || _names == 0)
                return dict;
            var names = Interop.NoThrow.PyTuple_Size(_names);
            for (var i = 0; i < names; i++)
            {
                if (Interop.NoThrow.PyDict_SetItem(dict, Interop.NoThrow.PyTuple_GetItem(_names, i), _vector[_count + i]) != 0)
                {
                    Interop.DecRef(dict);
                    return 0;
                }
            }
            return dict;
        }

        internal int PositionalCount => _isSingle ? (_single == 0 ? 0 : 1)
            : _tuple != 0 ? (int)Interop.NoThrow.PyTuple_Size(_tuple)
            : (int)_count;

        internal nint Positional(int index)
        {
            if (index < 0 || index >= PositionalCount)
                return 0;
            return _isSingle ? _single : _tuple != 0 ? Interop.NoThrow.PyTuple_GetItem(_tuple, index) : _vector[index];
        }

        /// <summary>Borrowed; 0 when the caller gave neither the position nor the keyword.</summary>
        internal nint Get(GuardArgument argument)
        {
            if (argument == GuardArgument.Self)
                return _self;
            var byPosition = Positional(argument.Position);
            if (byPosition != 0 || argument.Keyword is not { } keyword)
                return byPosition;
            if (_dict != 0)
                return Interop.NoThrow.PyDict_GetItemString(_dict, keyword);
            if (_names == 0)
                return 0;
            var expected = Encoding.UTF8.GetBytes(keyword);
            var names = Interop.NoThrow.PyTuple_Size(_names);
            for (var i = 0; i < names; i++)
            {
                var name = Interop.NoThrow.PyUnicode_AsUTF8AndSize(Interop.NoThrow.PyTuple_GetItem(_names, i), out var length);
                if (name != null && new ReadOnlySpan<byte>(name, (int)length).SequenceEqual(expected))
                    return _vector[_count + i];
            }
            return 0;
        }
    }
}
