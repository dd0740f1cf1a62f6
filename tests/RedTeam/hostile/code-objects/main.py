"""Bytecode the compiler did not produce is native-code; compiled source and the standard library's caches are not."""
import copy
import importlib
import importlib.util
import io
import marshal
import os
import sys
import types

from redteam import attack, on_message  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
SCRATCH = os.path.join(HERE, "scratch")


def victim():
    return 1


@attack("f.__code__ = f.__code__.replace(co_consts=()); f() (segfaulted the host)", needs="native-code")
def replace_consts():
    victim.__code__ = victim.__code__.replace(co_consts=())
    return victim()


@attack("code.replace(co_code=...)", needs="native-code")
def replace_bytecode():
    return victim.__code__.replace(co_code=b"\x00" * len(victim.__code__.co_code))


if hasattr(copy, "replace"):
    @attack("copy.replace(code, co_consts=())", needs="native-code")
    def copy_replace():
        return copy.replace(victim.__code__, co_consts=())


@attack("CPython's Lib/test/crashers/bogus_code_obj.py, with the constructor's 3.11+ arguments", needs="native-code")
def bogus_code_obj():
    # The crasher as shipped passes 14 arguments, and 3.11+ refuses it with a TypeError before the audit event.
    code = types.CodeType(0, 0, 0, 0, 0, 0, b"\x04\x00\x71\x00", (), (), (), "", "", "", 1, b"", b"")
    exec(code)


@attack("marshal.loads of crafted bytes", needs="native-code")
def marshal_loads():
    data = bytearray(marshal.dumps(victim.__code__))
    return marshal.loads(bytes(data))


@attack("marshal.load from a file object", needs="native-code")
def marshal_load():
    return marshal.load(io.BytesIO(marshal.dumps(victim.__code__)))


# CPython replaces any error of the unmarshalling, the policy's PermissionError included, with this ImportError.
@attack("_imp.get_frozen_object with crafted data", refused_by="ImportError")
def frozen_object_with_data():
    import _imp
    return _imp.get_frozen_object("zipimport", marshal.dumps(victim.__code__))


@attack("a crafted .pyc beside its source is not used: the source is compiled", returns="from source")
def planted_cache():
    os.makedirs(SCRATCH, exist_ok=True)
    source = os.path.join(SCRATCH, "planted.py")
    with open(source, "w") as f:
        f.write("ORIGIN = 'from source'\n")
    crafted = compile("ORIGIN = 'from planted bytecode'\n", source, "exec")
    stat = os.stat(source)
    header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little") + int(stat.st_mtime).to_bytes(4, "little") + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    cache = importlib.util.cache_from_source(source)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache, "wb") as f:
        f.write(header + marshal.dumps(crafted))
    sys.path.insert(0, SCRATCH)
    try:
        return importlib.import_module("planted").ORIGIN
    finally:
        sys.path.remove(SCRATCH)


@attack("a module shipped only as bytecode", needs="native-code")
def sourceless():
    os.makedirs(SCRATCH, exist_ok=True)
    with open(os.path.join(SCRATCH, "compiled_only.pyc"), "wb") as f:
        f.write(importlib.util.MAGIC_NUMBER + bytes(12) + marshal.dumps(compile("X = 1\n", "compiled_only.py", "exec")))
    sys.path.insert(0, SCRATCH)
    try:
        return importlib.import_module("compiled_only").X
    finally:
        sys.path.remove(SCRATCH)


@attack("types.coroutine (the standard library's own code.replace) still works", returns=True)
def coroutine():
    @types.coroutine
    def generator():
        yield
    return bool(generator.__code__.co_flags & 0x100)
