"""What ordinary code sees, measured the same way inside a plugin and under plain python3 -I (FidelityTests).

Run standalone: python3 -I fidelity_facts.py <writable folder>  → one line "FIDELITY <json>".
"""
import builtins
import io
import json
import locale
import os
import subprocess
import sys
import threading


def locale_facts():
    return {
        "getencoding": locale.getencoding(),
        "filesystemencoding": sys.getfilesystemencoding(),
        "preferredencoding": locale.getpreferredencoding(False),
        "utf8_mode": sys.flags.utf8_mode,
        "stdout_errors": sys.stdout.errors,
    }


def file_facts(folder):
    name = "café-ünïcode.txt"
    path = os.path.join(folder, name)
    with open(path, "w") as f:   # the default encoding, as ordinary code writes
        f.write("żółw — naïve\n")
    with open(path, "rb") as f:
        raw = f.read()
    return {
        "written_bytes": raw.hex(),
        "read_back": open(path).read(),
        "listed": name in os.listdir(folder),
        "exists": os.path.exists(path),
        "folder_of_this_module": os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    }


def executable_facts():
    child = subprocess.run([sys.executable, "-I", "-c", "import sys; print(sys.version, 'é')"], capture_output=True, text=True)
    return {
        "executable": sys.executable,
        "base_executable": getattr(sys, "_base_executable", None),
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "exec_prefix": sys.exec_prefix,
        "child_version": child.stdout.strip(),
        "own_version": sys.version + " é",
    }


def stream_facts():
    surface = ["encoding", "errors", "buffer", "name", "mode", "closed", "line_buffering", "newlines", "writelines",
               "readable", "seekable", "writable", "isatty", "reconfigure", "fileno", "flush", "write", "detach"]
    facts = {}
    for stream in ("stdout", "stderr"):
        s = getattr(sys, stream)
        facts[stream] = {
            "missing": [a for a in surface if not hasattr(s, a)],
            "textiobase": isinstance(s, io.TextIOBase),
            "encoding": s.encoding,
            "errors": s.errors,
            "name": s.name,
            "mode": getattr(s, "mode", None),
            "closed": s.closed,
            "readable": s.readable(),
            "writable": s.writable(),
            "seekable": s.seekable(),
            "buffer_writable": s.buffer.writable(),
            "fileno": fileno(s),
        }
    return facts


def fileno(stream):
    try:
        return stream.fileno()
    except io.UnsupportedOperation as e:
        return type(e).__name__


def doctest_facts():
    import doctest
    import types
    module = types.ModuleType("fidelity_doctest")
    module.__doc__ = ">>> print('ok é')\nok é\n>>> 1 + 1\n2\n"
    result = doctest.testmod(module, report=False)
    return {"failed": result.failed, "attempted": result.attempted}


def builtin_facts():
    names = ("exit", "quit", "help", "copyright", "credits", "license")
    return {name: type(getattr(builtins, name, None)).__name__ for name in names} | {"repr_exit": repr(getattr(builtins, "exit", None))}


def thread_facts():
    seen = {}
    worker = threading.Thread(target=lambda: seen.update(main=threading.main_thread() is threading.current_thread(), main_name=threading.main_thread().name))
    worker.start()
    worker.join()
    return {
        "name": threading.current_thread().name,
        "is_main": threading.current_thread() is threading.main_thread(),
        "main_ident_is_own": threading.main_thread().ident == threading.get_ident(),
        "worker_sees_main": seen,
    }


def all_facts(folder):
    sections = {"locale": locale_facts, "files": lambda: file_facts(folder), "executable": executable_facts,
                "streams": stream_facts, "doctest": doctest_facts, "builtins": builtin_facts, "threads": thread_facts}
    facts = {}
    for name, measure in sections.items():
        try:
            facts[name] = measure()
        except Exception as e:   # reported, and compared like any other fact
            facts[name] = {"error": type(e).__name__}
    return facts


def import_denial_facts():
    """Only inside a plugin without native-code: the everyday fallback and what the exception says."""
    try:
        import ctypes
    except ImportError as e:
        ctypes = None
        import pluginhost
        return {"type": type(e).__name__, "capability_denied": isinstance(e, pluginhost.CapabilityDenied),
                "capability": e.capability, "name": e.name, "message": str(e), "fell_back": ctypes is None}
    return {"type": None}


if __name__ == "__main__":
    print("FIDELITY " + json.dumps(all_facts(sys.argv[1]), ensure_ascii=True), flush=True)
