# Run by PluginHost in an interpreter that has a policy, right after it is created and before any other code runs in
# it (see docs/isolation.md). The native audit hook enforces the policy for everything CPython audits; this file covers
# what CPython raises no audit event for, by replacing those functions in this interpreter's own module objects with
# ones that raise the event "pluginhost.guard" (which the native hook then denies, logs and counts). Python code can
# undo these replacements (reload a builtin module, dig the original out of a closure): they keep mistakes and
# ordinary libraries from reaching the whole process; they are not a security boundary.

def _pluginhost_isolate(owner, granted):
    import sys, os, posix, _signal, _locale, _imp
    import _frozen_importlib_external as external

    audit = sys.audit
    granted = frozenset(granted)

    def refuse(function, detail=""):
        audit("pluginhost.guard", function, detail)
        # Reached only if the native hook did not refuse (it always does for this event).
        raise PermissionError(f"{function}({detail}) is not allowed for {owner}")

    class SignalPermissionError(PermissionError, ValueError):
        """Also a ValueError: CPython itself raises ValueError for signal handlers outside the main interpreter."""

    def replace(module, name, function, *aliases):
        original = getattr(module, name, None)
        if original is None:
            return
        function.__name__ = function.__qualname__ = name
        function.__doc__ = original.__doc__
        for target in (module, *aliases):
            if getattr(target, name, None) is original:
                setattr(target, name, function)

    def refused(qualified):
        def guard(*args, **kwargs):
            refuse(qualified, ", ".join(repr(a) for a in args))
        return guard

    # Ending or signalling the host process itself.
    if "process.exit" not in granted:
        for name in ("_exit", "abort"):
            replace(posix, name, refused(f"os.{name}"), os)
        for name in ("raise_signal", "alarm", "setitimer"):
            replace(_signal, name, refused(f"signal.{name}"))
    if "process.signal" not in granted:
        replace(_signal, "pidfd_send_signal", refused("signal.pidfd_send_signal"))

    # Signal handlers: refused by CPython outside the main interpreter anyway; said clearly, and still a ValueError.
    def signal_guard(qualified):
        def guard(*args, **kwargs):
            try:
                refuse(qualified, ", ".join(repr(a) for a in args))
            except PermissionError as e:
                raise SignalPermissionError(*e.args) from None
        return guard
    for name in ("signal", "set_wakeup_fd", "siginterrupt"):
        replace(_signal, name, signal_guard(f"signal.{name}"))

    # The standard streams' file descriptors, shared by the host and every plugin.
    if "process.stdio" not in granted:
        dup2, close, closerange = posix.dup2, posix.close, posix.closerange

        def guarded_dup2(fd, fd2, inheritable=True):
            if 0 <= fd2 <= 2:
                refuse("os.dup2", f"{fd}, {fd2}")
            return dup2(fd, fd2, inheritable)

        def guarded_close(fd):
            if 0 <= fd <= 2:
                refuse("os.close", f"{fd}")
            return close(fd)

        def guarded_closerange(fd_low, fd_high):
            if fd_low <= 2 and fd_high > max(fd_low, 0):
                refuse("os.closerange", f"{fd_low}, {fd_high}")
            return closerange(fd_low, fd_high)

        replace(posix, "dup2", guarded_dup2, os)
        replace(posix, "close", guarded_close, os)
        replace(posix, "closerange", guarded_closerange, os)

    # Process-wide settings.
    if "process.control" not in granted:
        for name in ("umask", "setuid", "setgid", "seteuid", "setegid", "setreuid", "setregid", "setresuid",
                     "setresgid", "setgroups", "initgroups", "setsid", "setpgid", "setpgrp", "nice", "setpriority",
                     "sched_setaffinity", "sched_setscheduler", "sched_setparam", "chroot", "unshare", "setns"):
            replace(posix, name, refused(f"os.{name}"), os)
        query_locale = _locale.setlocale

        def guarded_setlocale(category, locale=None):
            if locale is not None:
                refuse("locale.setlocale", f"{category}, {locale!r}")
            return query_locale(category)
        replace(_locale, "setlocale", guarded_setlocale)

    # File system entries CPython creates without an audit event: checked like any other write (path, dir_fd).
    if "filesystem.write" not in granted:
        def creating(name, original):
            def guard(path, *args, dir_fd=None, **kwargs):
                audit(f"os.{name}", path, -1 if dir_fd is None else dir_fd)
                return original(path, *args, dir_fd=dir_fd, **kwargs)
            return guard
        for name in ("mkfifo", "mknod"):
            if hasattr(posix, name):
                replace(posix, name, creating(name, getattr(posix, name)), os)

    # A second copy of a guarded builtin module would bring the replaced functions back.
    create_builtin = _imp.create_builtin

    def guarded_create_builtin(spec):
        if spec.name in ("posix", "_signal", "_locale", "_imp"):
            refuse("_imp.create_builtin", spec.name)
        return create_builtin(spec)
    replace(_imp, "create_builtin", guarded_create_builtin)

    # The environment: without the capability, os.environ is this interpreter's own copy, so reading and writing it
    # never touches the process environment (os.putenv/os.unsetenv themselves are denied by the native hook).
    if "environment" not in granted:
        class Environ(os._Environ):
            def __setitem__(self, key, value):
                self._data[self.encodekey(key)] = self.encodevalue(value)

            def __delitem__(self, key):
                encoded = self.encodekey(key)
                if encoded not in self._data:
                    raise KeyError(key)
                del self._data[encoded]

        real = os.environ
        view = Environ(dict(real._data), real.encodekey, real.decodekey, real.encodevalue, real.decodevalue)
        os.environ = view
        if hasattr(os, "environb"):
            old = os.environb
            os.environb = Environ(view._data, old.encodekey, old.decodekey, old.encodevalue, old.decodevalue)

    # Bytecode caches would be written into the plugin's folder or the standard library, which are read-only here.
    sys.dont_write_bytecode = True

    # Single-phase-init extension modules: CPython refuses them in an isolated interpreter; say why and what to do.
    create_module = external.ExtensionFileLoader.create_module

    def explained_create_module(self, spec):
        try:
            return create_module(self, spec)
        except ImportError as e:
            if "does not support loading in subinterpreters" not in str(e):
                raise
            raise ImportError(
                f"{e} — {owner} runs in an isolated subinterpreter with its own GIL, and {spec.name} "
                f"({spec.origin}) is an extension module with single-phase initialisation: its types and state are C "
                f"statics that every interpreter in the process would share, each under its own GIL. "
                f"Fix: port {spec.name} to multi-phase initialisation (PEP 489: a Py_mod_exec slot), keep its state in "
                f"module state (m_size, PyModule_GetState), create its types as heap types with "
                f"PyType_FromModuleAndSpec, and declare Py_mod_multiple_interpreters = "
                f"Py_MOD_PER_INTERPRETER_GIL_SUPPORTED; or use a release of the package that does. "
                f"See docs/isolation.md.",
                name=spec.name, path=spec.origin) from None

    explained_create_module.__name__ = explained_create_module.__qualname__ = "create_module"
    external.ExtensionFileLoader.create_module = explained_create_module
