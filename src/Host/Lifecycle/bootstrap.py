# Run in each plugin instance's fresh interpreter before the plugin's own code.
def _pluginhost_bootstrap(name, folder, lib, level):
    import sys, pluginhost
    # Patterns the standard library compiles at import, kept for the process while only its code has run here (json:
    # the SDK's payload codec, which nearly every plugin imports with its first message).
    _pluginhost_share_regexes(pluginhost._regex_compiler)
    import logging, json
    pluginhost._regex_close()

    # importlib compiles source files with the builtin compile(), whose first call in an interpreter builds the ast
    # module's ~120 node types, 1.3 ms of every instance's start, which an import never uses: the same compile without.
    external = sys.modules["_frozen_importlib_external"]
    external.SourceLoader.source_to_code = _pluginhost_source_to_code(external, pluginhost._compile_source)

    # Only the plugin's folder and its own lib/ (vendored pure-Python dependencies) before the stdlib.
    sys.path[:0] = [folder, lib]
    sys.argv = [name]
    # Text streams like python3's (encoding, errors, buffer, reconfigure, ...) over the host's log, with the error
    # handlers python3 chooses from the locale.
    sys.stdout = sys.__stdout__ = pluginhost._std_stream(pluginhost.stdout, "<stdout>", pluginhost._stdout_errors())
    sys.stderr = sys.__stderr__ = pluginhost._std_stream(pluginhost.stderr, "<stderr>", "backslashreplace")

    # The builtins site adds (exit, quit, help, copyright, credits, license), without site's search of site-packages:
    # with site_import off, importing site runs none of that, and these three functions only set builtins.
    import site
    site.setquit()
    site.setcopyright()
    site.sethelper()

    class HostHandler(logging.Handler):
        def emit(self, record):
            try:
                pluginhost.log(record.levelno, self.format(record), record.name)
            except Exception:
                self.handleError(record)

    root = logging.getLogger()
    root.handlers[:] = [HostHandler()]
    root.setLevel(level)
    logging.captureWarnings(True)


def _pluginhost_share_regexes(regex_compiler):
    # CPython's regular-expression compiler is Python code that runs again in every interpreter: the 15 patterns
    # logging and json compile at import are 3 ms of each instance's start. What it makes of a pattern (the arguments
    # of _sre.compile) is kept for the process by the host, and another interpreter builds the same Pattern from them;
    # re's own per-interpreter cache still comes first. A builtin function, so re's frames are as without the host.
    # It keeps new patterns only until _regex_close(), before any code of the plugin's runs.
    from re import _compiler as compiler, _parser as parser
    if compiler.compile.__code__.co_names != _PLUGINHOST_RE_COMPILE_NAMES:
        return   # not the compile() of CPython 3.12/3.13 whose arguments the host keeps: left alone
    compiler.compile = regex_compiler(compiler.compile, compiler._sre.compile, parser.parse, compiler._code, compiler.SRE_FLAG_DEBUG)


# re._compiler.compile's names in CPython 3.12 and 3.13: parse, then _code, then _sre.compile with the group maps.
_PLUGINHOST_RE_COMPILE_NAMES = ("isstring", "_parser", "parse", "_code", "SRE_FLAG_DEBUG", "print", "dis", "state",
                                "groupdict", "groups", "items", "_sre", "compile", "flags", "tuple")


def _pluginhost_source_to_code(external, compile_source):
    original = external.SourceLoader.source_to_code
    call = external._bootstrap._call_with_frames_removed

    def source_to_code(self, data, path, *, _optimize=-1):
        if type(data) is bytes and type(path) is str and type(_optimize) is int and -1 <= _optimize <= 2 and b"\0" not in data:
            return call(compile_source, data, path, _optimize)
        return call(compile, data, path, "exec", dont_inherit=True, optimize=_optimize)

    # Labelled as importlib's own code: CPython trims a SyntaxError's traceback of importlib's frames that end in
    # _call_with_frames_removed, and this frame would otherwise stay in it.
    source_to_code.__code__ = source_to_code.__code__.replace(co_filename=original.__code__.co_filename)
    source_to_code.__qualname__ = original.__qualname__
    return source_to_code


def _pluginhost_start(entry, subscriptions, folder, max_concurrency=1, handler_timeout=None):
    import pluginhost
    # Async handlers may leave messages in flight, up to this many (set before the plugin registers any handler).
    pluginhost._max_concurrency = max_concurrency
    pluginhost._handler_timeout = handler_timeout
    try:
        _pluginhost_start_plugin(entry, subscriptions)
    except (SyntaxError, ImportError) as e:
        why = _pluginhost_cannot_heal(e, folder)
        if why is None:
            raise
        raise _PluginHostCannotStart(why) from e


def _pluginhost_start_plugin(entry, subscriptions):
    import importlib, sys, pluginhost
    module = importlib.import_module(entry)
    on_message = getattr(module, "on_message", None)
    if subscriptions and on_message is None:
        raise _PluginHostCannotStart(f"plugin.json subscribes to {subscriptions} but {entry} has no on_message(message) function")
    if on_message is not None:
        # An async def on_message runs on the instance's event loop (subscribe wraps it the same way).
        on_message = pluginhost._sync_form(on_message)
        pluginhost._set_direct_handler(on_message)
    for pattern in subscriptions:
        pluginhost.subscribe(pattern, on_message)
    # A plugin that uses asyncio gets its instance's loop before setup (others only if they run a coroutine later).
    if "asyncio" in sys.modules:
        try:
            pluginhost._event_loop()
        except Exception as e:
            # A plugin that only imports asyncio still starts; an async handler or hook will raise this again.
            import logging
            logging.getLogger("pluginhost").warning("no asyncio event loop for this instance: %s", e)
    setup = getattr(module, "setup", None)
    if setup is not None:
        pluginhost._run_hook(setup(pluginhost.context()))


def _pluginhost_stop(entry, wait=0):
    import sys
    module = sys.modules.get(entry)
    teardown = getattr(module, "teardown", None)
    import pluginhost
    try:
        # Messages still in flight (MaxConcurrency > 1) get `wait` seconds to finish, then are cancelled.
        pluginhost._finish_in_flight(wait)
        if teardown is not None:
            pluginhost._run_hook(teardown())
    finally:
        # Tasks the plugin left are cancelled and the instance's loop closed, after teardown (which may still use them).
        pluginhost._close_loop()


# Start failures a restart cannot heal: the host marks the instance Failed at once with this reason (no restarts).
class _PluginHostCannotStart(Exception):
    pass


_PluginHostCannotStart.__module__ = "pluginhost"
_PluginHostCannotStart.__name__ = _PluginHostCannotStart.__qualname__ = "CannotStartError"


def _pluginhost_cannot_heal(error, folder):
    import os, sys
    lib = os.path.join(folder, "lib")
    if isinstance(error, SyntaxError):
        # The plugin's own code does not compile (not text it compiles at run time, which may change).
        path = os.path.abspath(error.filename or "")
        if os.path.commonpath([path, folder]) != folder:
            return None
        return f"{os.path.relpath(path, folder)}:{error.lineno}: {type(error).__name__}: {error.msg}; fix the code (pluginhost validate lists every syntax error)"
    if "does not support loading in subinterpreters" in str(error):
        # The error names the fix in the module (guards.py); what the plugin's owner can do without one:
        return (f"{error}; a module that cannot load in an isolated subinterpreter never will there: \"isolation\": "
                f"\"process\" (or \"auto\") in plugin.json runs the plugin in a worker process of its own instead "
                f"(pluginhost check lists such modules)")
    if type(error) is not ModuleNotFoundError or not error.name:
        return None
    top = error.name.partition(".")[0]
    if top in sys.stdlib_module_names:
        return None
    for place in (folder, lib):
        try:
            names = os.listdir(place)
        except OSError:
            continue
        if any(n == top or n.startswith(top + ".") for n in names):
            return None   # it is there: something else failed, which a restart may not repeat
    return (f"it imports '{error.name}', which is neither in the standard library nor in the plugin's folder or its lib/: "
            f"a missing dependency. Vendor it (pure Python) into {lib}")
