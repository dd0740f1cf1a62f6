# Run by PluginHost in an interpreter that has a policy, right after it is created and before any other code runs in
# it (see docs/isolation.md). The native audit hook and the native guards enforce the policy; nothing here is a
# boundary (Python code can undo it). This file gives the interpreter what CPython cannot make per interpreter by
# itself: its own os.environ, no way to the host's standard streams through sys.std*, bytecode caches read only
# for the standard library, and the explanation for refused single-phase-init extension modules.

def _pluginhost_isolate(owner, granted):
    import sys, os
    import _frozen_importlib_external as external

    granted = frozenset(granted)

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

    # CPython gives every interpreter stream objects over descriptors 0-2, the host's own standard streams (its log).
    # Closed here (they do not own the descriptors) and replaced by None, as in a process without a console: print()
    # then writes nothing until the host wires sys.stdout and sys.stderr to its log.
    if "process.stdio" not in granted:
        descriptors = {}
        for name in ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__"):
            try:
                descriptors[name] = getattr(sys, name).fileno()
            except (OSError, ValueError, AttributeError):
                pass
        for name, fd in descriptors.items():
            if fd in (0, 1, 2):
                stream = getattr(sys, name)
                setattr(sys, name, None)
                for step in (stream.flush, stream.close):
                    try:
                        step()
                    except (OSError, ValueError):
                        pass

    # Bytecode caches would be written into the plugin's folder or the standard library, which are read-only here.
    sys.dont_write_bytecode = True

    # Bytecode is code the compiler did not check: beside a source file, only the standard library's caches are read
    # (the native hook lets marshal.loads through for exactly their bytes); anything else is compiled from source.
    standard_library = os.path.dirname(os.__file__) + os.sep
    bytecode = tuple(external.BYTECODE_SUFFIXES)
    read = external.FileLoader.get_data

    def get_data(self, path):
        if path.endswith(bytecode) and not path.startswith(standard_library):
            raise OSError(f"bytecode caches are read only for the standard library in a plugin's interpreter: {path}")
        return read(self, path)

    external.SourceFileLoader.get_data = get_data

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
