import io as _io


class HandlerTimeout(TimeoutError):
    """Raised inside a handler (or hook) that ran past the host's timeout for it."""

    def __init__(self, *args):
        super().__init__(*(args or ("interrupted by the host: ran past its timeout",)))


# Python-level helpers of the native pluginhost module, run in its namespace when each interpreter imports it.

def on(pattern):
    """Decorator: handle messages whose topic matches ``pattern`` with the decorated function."""
    def register(handler):
        subscribe(pattern, handler)
        return handler
    return register


async def request_async(topic, payload, *, to=None, timeout=None, headers=None):
    """Like ``request``, awaited from asyncio code: the event loop keeps running while the reply is on its way.

    The wait happens in the loop's default executor, in native code without the GIL, so it needs nothing from the
    thread running the loop.
    """
    import asyncio
    pending = _begin_request(topic, payload, to=to, timeout=timeout, headers=headers)
    return await asyncio.get_running_loop().run_in_executor(None, _wait_reply, pending)


def _encode_json(value):
    import json
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _decode_json(data):
    import json
    return json.loads(data)


class HostFunctionError(RuntimeError):
    """Raised by ``call`` when the .NET host function threw; the message is the .NET exception's."""


async def call_async(name, payload=None, *, timeout=None):
    """Like ``call``, awaited from asyncio code: the wait happens in the loop's executor, without the GIL."""
    import asyncio
    return await asyncio.get_running_loop().run_in_executor(None, lambda: call(name, payload, timeout=timeout))


class CapabilityDenied(Exception):
    """Mixed into the exceptions of a call the plugin's policy denied: ``capability`` names the capability that would
    allow it (None when none does). Denials of everything but imports are ``PermissionError`` (see ImportDenied)."""

    capability = None


class ImportDenied(CapabilityDenied, ModuleNotFoundError):
    """An import the plugin's policy denied: a ``ModuleNotFoundError`` (an ``ImportError``), so ``try: import x /
    except ImportError:`` (or ``ModuleNotFoundError``, as some of CPython's own tests catch) falls back as it does
    where the module is missing; the message and ``capability`` say which capability would allow it."""


class _LogRaw(_io.RawIOBase):
    """The raw stream under a plugin's sys.stdout/sys.stderr: UTF-8 bytes to the host's log through the native
    stream, which joins a character split across writes. Unbuffered, as ``python -u`` makes them: nothing is left in
    a buffer when the interpreter ends, and a write reaches the log at once."""

    def __init__(self, native, name):
        super().__init__()
        self._name = name
        # The native method itself, found before the class's: print() makes four writes, each without a Python frame.
        self.write = native._write_bytes

    @property
    def name(self):
        return self._name

    @property
    def mode(self):
        return "wb"

    def writable(self):
        return True


def _stdout_errors():
    """The error handler python3 gives sys.stdout: surrogateescape in UTF-8 mode and in the C, POSIX and C.UTF-8
    locales (those PEP 538 coerces to), strict otherwise (CPython's config_get_stdio_errors)."""
    import sys, _locale
    if sys.flags.utf8_mode:
        return "surrogateescape"
    ctype = _locale.setlocale(_locale.LC_CTYPE)
    return "surrogateescape" if ctype in ("C", "POSIX", "C.UTF-8", "C.utf8", "UTF-8") else "strict"


def _std_stream(native, name, errors):
    """A TextIOWrapper like python3's sys.stdout/sys.stderr (UTF-8, line buffered, write-through) over the log."""
    stream = _io.TextIOWrapper(_LogRaw(native, name), encoding="utf-8", errors=errors, line_buffering=True,
                              write_through=True)
    stream.mode = "w"
    return stream
