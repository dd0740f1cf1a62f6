using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter;

// The owning thread as the interpreter's main thread.
public sealed partial class SubInterpreter
{
    /// <summary>
    /// Makes this (owning) thread what <c>threading.main_thread()</c> returns, as it is on 3.12 and in
    /// <c>_interpreters</c> run from the process's main thread. CPython 3.13 takes a subinterpreter's main thread from
    /// <c>_thread._get_main_thread_ident()</c>, the thread that initialised the runtime, so the owning thread would be
    /// a <c>Dummy-1</c> and code that asks "am I on the main thread?" (asyncio, test suites) would take the wrong branch.
    /// The function is replaced in this interpreter's own <c>_thread</c> before <c>threading</c> is imported, and
    /// <c>threading</c>'s record is moved over if it already was. On 3.12 both already name this thread: nothing
    /// changes. Runs before the policy and any user code.
    /// </summary>
    private static void AdoptMainThread()
    {
        const string Source = """
            import _thread, sys
            _ident = _thread.get_ident()
            if getattr(_thread, '_get_main_thread_ident', _thread.get_ident)() != _ident:
                _thread._get_main_thread_ident = _ident.__index__
                _t = sys.modules.get('threading')
                if _t is not None and _t._main_thread._ident != _ident:
                    with _t._active_limbo_lock:
                        _t._active.pop(_t._main_thread._ident, None)
                        _t._main_thread._ident = _ident
                        _t._main_thread._handle = _t._make_thread_handle(_ident)
                        _t._active[_ident] = _t._main_thread
                    if _t._HAVE_THREAD_NATIVE_ID:
                        _t._main_thread._set_native_id()
                del _t
            del _thread, sys, _ident
            """;
        using var _ = Interop.Evaluate(Source, "<pluginhost-main-thread>", Interop.Py_file_input, Interop.MainModuleDict());
    }
}
