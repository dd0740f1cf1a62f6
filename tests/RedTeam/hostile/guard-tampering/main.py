"""The native guards sit in CPython's method tables: every copy of a guarded function is guarded."""
import gc
import importlib
import importlib.util
import os
import sys

import _imp
from redteam import attack, on_message  # noqa: F401


@attack("a fresh posix module from _imp.create_builtin", needs="process.stdio")
def fresh_builtin():
    return _imp.create_builtin(sys.modules["posix"].__spec__).write(2, b"")


@attack("importlib.reload(posix)", needs="process.stdio")
def reloaded():
    importlib.reload(sys.modules["posix"])
    return os.write(2, b"")


@attack("every callable named 'write' the garbage collector can find", needs="process.stdio")
def collected():
    for candidate in gc.get_objects():
        if callable(candidate) and getattr(candidate, "__name__", None) == "write" and getattr(candidate, "__module__", None) in ("posix", "os"):
            candidate(2, b"")
    return os.write(2, b"")


@attack("a fresh _posixsubprocess from _imp.create_dynamic", needs="process.spawn")
def fresh_dynamic():
    import _posixsubprocess
    spec = importlib.util.spec_from_file_location("_posixsubprocess", _posixsubprocess.__file__)
    return _imp.create_dynamic(spec).fork_exec()

