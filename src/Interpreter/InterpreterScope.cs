using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

/// <summary>
/// What work queued to an interpreter can do; valid only on that interpreter's own thread while its work runs
/// (the interpreter's thread state is attached then).
/// </summary>
public sealed class InterpreterScope
{
    private readonly SubInterpreter _owner;

    internal InterpreterScope(SubInterpreter owner) => _owner = owner;

    public SubInterpreter Interpreter => _owner;

    /// <summary>Runs statements in the interpreter's <c>__main__</c> namespace.</summary>
    public void Exec(string source, string filename = "<string>")
    {
        _owner.EnsureOwnerThread();
        using var _ = Interop.Evaluate(source, filename, Interop.Py_file_input, Interop.MainModuleDict());
    }

    /// <summary>Runs the host's own <paramref name="code"/> in <c>__main__</c>, loaded marshalled once any interpreter compiled it.</summary>
    public void Exec(HostCode code)
    {
        _owner.EnsureOwnerThread();
        code.Run(Interop.MainModuleDict());
    }

    /// <summary>Evaluates one expression in <c>__main__</c> and copies the result to .NET.</summary>
    public object? Evaluate(string expression)
    {
        _owner.EnsureOwnerThread();
        using var result = Interop.Evaluate(expression, "<string>", Interop.Py_eval_input, Interop.MainModuleDict());
        return PyConvert.FromPython(result.Borrow());
    }

    /// <summary>Imports <paramref name="module"/> and calls its <paramref name="function"/> with copied arguments.</summary>
    public object? Call(string module, string function, params object?[] args)
    {
        _owner.EnsureOwnerThread();
        using var mod = Interop.Import(module);
        using var callable = Interop.GetAttr(mod.Borrow(), function);
        using var result = CallWith(callable.Borrow(), args);
        return PyConvert.FromPython(result.Borrow());
    }

    /// <summary>This interpreter's own allocator figures, with its large blocks; null when CPython runs without pymalloc.</summary>
    public AllocatorStatistics? ReadAllocator()
    {
        _owner.EnsureOwnerThread();
        return AllocatorStatistics.ReadCurrent() is { } statistics ? statistics with { LargeBytes = _owner.LargeBytes } : null;
    }

    internal static NewRef CallWith(BorrowedRef callable, object?[] args)
    {
        using var tuple = Interop.NewTuple(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var item = PyConvert.ToPython(args[i]);
            Interop.TupleSet(tuple.Borrow(), i, item.Steal());
        }
        return Interop.Call(callable, tuple.Borrow());
    }
}
