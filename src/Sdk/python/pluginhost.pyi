"""Type stubs for ``pluginhost``, the SDK module PluginHost provides in every plugin's interpreter.

The module is native (built into the host); these stubs let editors complete and type-check plugin code.
Point your editor or type checker at this folder (e.g. ``mypy_path``/``extraPaths``), or copy the file
next to your plugin.
"""
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final, TypeAlias, TypeVar, final

Payload: TypeAlias = bytes | bytearray | memoryview | str | dict[str, Any] | list[Any] | int | float | bool | None
"""What can be sent: bytes-like values pass through, str travels as text, the rest as JSON."""

_SyncHandler = Callable[["Message"], Any]
_AsyncHandler = Callable[["Message"], Coroutine[Any, Any, Any]]
_Handler = TypeVar("_Handler", bound=_SyncHandler | _AsyncHandler)
"""A handler: a function, or a coroutine function (``async def``) run as a task of the instance's event loop; either
way its (awaited) return value is the reply to a request."""

class HandlerTimeout(TimeoutError):
    """Raised inside a handler or hook that ran past the host's timeout for it (see docs/reliability.md)."""

class HostFunctionError(RuntimeError):
    """Raised by :func:`call` when the .NET host function threw; ``str(error)`` is the .NET exception's message."""

class CapabilityDenied(Exception):
    """Mixed into a denial's exception: ``capability`` is the capability that would allow the call (None when none
    does). Denied calls other than imports raise ``PermissionError`` (see docs/capabilities.md)."""

    capability: str | None

class ImportDenied(CapabilityDenied, ModuleNotFoundError):
    """A denied import: a ``ModuleNotFoundError`` (an ``ImportError``), so ``try: import x`` / ``except ImportError:`` falls back; ``name`` is the
    module, and the message and ``capability`` say which capability would allow it."""

@final
class Context:
    """The context of one plugin instance, passed to ``setup(ctx)`` and returned by :func:`context`."""

    @property
    def name(self) -> str:
        """The plugin's name from its manifest."""
    @property
    def instance(self) -> int:
        """This instance's number, from 0 (a manifest's ``instances`` runs that many interpreters)."""
    @property
    def settings(self) -> dict[str, Any]:
        """Settings: the manifest's defaults with configuration overrides applied (a copy owned by this interpreter)."""
    def log(self, level: int, message: str, /) -> None:
        """Sends a record at a Python logging level (``logging.INFO`` etc.) to the host's log."""

@final
class Stream:
    """The raw text sink under ``sys.stdout``/``sys.stderr``: output becomes host log lines. The plugin's
    ``sys.stdout``/``sys.stderr`` are ``io.TextIOWrapper`` objects over it (UTF-8, line buffered, write-through)."""

    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...
    def isatty(self) -> bool: ...
    def writable(self) -> bool: ...

stdout: Final[Stream]
"""Where ``print()`` goes: one Information log line per line of text (a line past the host's
PluginHost:MaxOutputLineLength is cut, with a marker saying how many characters were dropped)."""

stderr: Final[Stream]
"""``sys.stderr``: one Error log line per line of text, cut like ``stdout``'s."""

def log(level: int, message: str, logger: str = "", /) -> None:
    """Sends a record to the host's log; ``logging`` records already arrive here through the host's handler. A
    record past the host's PluginHost:MaxOutputLineLength is cut, with a marker."""

def context() -> Context:
    """This plugin instance's context."""

@final
class Message:
    """A received message (or reply). ``memoryview(message)`` views the payload's bytes without copying."""

    @property
    def topic(self) -> str: ...
    @property
    def payload(self) -> Any:
        """Decoded by content type: bytes, str, or the JSON value (dict, list, ...). A payload that does not decode
        never reaches a handler (the host dead-letters it as the sender's fault); a large one (64 KiB or more) is
        decoded on first read, and then raises ValueError naming the sender, every time it is read."""
    @property
    def content_type(self) -> str:
        """``application/octet-stream``, ``text/plain; charset=utf-8`` or ``application/json``."""
    @property
    def id(self) -> str: ...
    @property
    def correlation_id(self) -> str | None:
        """For a reply: the id of the request it answers."""
    @property
    def sender(self) -> str:
        """The sending plugin's name."""
    @property
    def to(self) -> str | None:
        """Set when the message was addressed to one plugin (``name`` or ``name/instance``)."""
    @property
    def timestamp(self) -> float:
        """Seconds since the epoch, when it was published."""
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def trace_id(self) -> str | None:
        """The W3C trace id (32 lowercase hex digits) of this message's handler run while it runs and is traced, else
        of its ``traceparent`` header; None when it has neither (or the header is malformed)."""
    @property
    def span_id(self) -> str | None:
        """The span id (16 hex digits) of the handler run's span, else of the sender's span from the header; or None."""

def publish(topic: str, payload: Payload, headers: dict[str, str] | None = None, *, to: str | None = None) -> None:
    """Sends a copy of ``payload`` to every plugin subscribed to ``topic`` (one instance each), or to plugin ``to``.

    Returns once every receiver's inbox took it; waits (without blocking other threads) while an inbox is full, and
    raises after the host's configured time. Raises TypeError for a payload that is not bytes, str or JSON, and for
    headers that are not a dict of str to str; ValueError for a value a receiver could not decode (an int of more
    than 4300 digits, NaN or infinity, a str that is not valid Unicode, a cycle, nesting too deep), for headers over
    PluginHost:Broker:MaxHeaderBytes or named like the broker's dead-letter headers, and for the dead-letter topic."""

def request(topic: str, payload: Payload, *, to: str | None = None, timeout: float | None = None,
            headers: dict[str, str] | None = None) -> Message:
    """Sends a request to one receiver and returns its reply (the handler's return value). TimeoutError after
    ``timeout`` seconds (default: the host's PluginHost:Broker:RequestTimeout); the payload and headers are checked
    as by :func:`publish`; a reply that does not decode is a ValueError naming its sender."""

async def request_async(topic: str, payload: Payload, *, to: str | None = None, timeout: float | None = None,
                        headers: dict[str, str] | None = None) -> Message:
    """``request`` for asyncio code (an async handler, or a loop of your own): the event loop keeps running while the
    reply is on its way."""

def subscribe(pattern: str, handler: _SyncHandler | _AsyncHandler) -> int:
    """Calls ``handler(message)`` on this plugin's interpreter for topics matching ``pattern`` (``*`` one token,
    ``>`` the rest); with several instances, each message goes to one of them. Returns the subscription id.

    A coroutine function (``async def``, also through ``functools.partial``) runs as a task of the instance's event
    loop, one message at a time (up to ``maxConcurrency`` in flight when the plugin sets it above 1); the host's
    HandlerTimeout cancels that task (CancelledError at its await)."""

def unsubscribe(subscription: int) -> bool:
    """Ends a subscription; False if there was none."""

def on(pattern: str) -> Callable[[_Handler], _Handler]:
    """Decorator form of :func:`subscribe`; decorates a function or an ``async def`` one, and returns it unchanged."""

def call(name: str, payload: Payload = None, *, timeout: float | None = None) -> Any:
    """Calls the .NET host function ``name`` with a copy of ``payload`` and returns its result (bytes, str or a JSON
    value). Waits without holding the interpreter's GIL. A plugin may call the functions its own ``dotnet/``
    assemblies ship, and host functions its manifest grants (capability ``host:<name>`` or ``host:*``).

    Raises PermissionError when not granted, KeyError for an unknown name, TimeoutError after ``timeout`` seconds
    (default: the host's PluginHost:Broker:RequestTimeout), HostFunctionError when the function threw."""

async def call_async(name: str, payload: Payload = None, *, timeout: float | None = None) -> Any:
    """``call`` for asyncio code: the event loop keeps running while the function works."""

@final
class Span:
    """What :func:`span` returns: a context manager (``with`` or ``async with``) that opens the span on entry and ends
    it on exit; an exception leaving it marks the span as an error (and is not swallowed)."""

    def __enter__(self) -> Span: ...
    def __exit__(self, error_type: type[BaseException] | None, error: BaseException | None, traceback: Any) -> bool: ...
    async def __aenter__(self) -> Span: ...
    async def __aexit__(self, error_type: type[BaseException] | None, error: BaseException | None, traceback: Any) -> bool: ...
    @property
    def recording(self) -> bool:
        """True while open and recorded (the host exports traces and this trace is sampled)."""

def span(name: str, attributes: dict[str, str | bool | int | float] | None = None) -> Span:
    """A span around the plugin's own work, child of the innermost span open now (an earlier ``span``, else the
    running handler's): ``with pluginhost.span("parse orders", attributes={"rows": 3}):``. What is published,
    requested or called inside it is its child. Costs no span when the host does not export traces or the trace is
    not sampled. In a worker process (``isolation: process``) the host makes it, one round trip on entry; there it is
    a no-op outside a traced handler (e.g. in ``setup``). TypeError for a name that is not str or attributes that are not a
    dict of str to str, bool, int or float; ValueError for an int that does not fit in 64 bits."""

def current_trace() -> tuple[str, str] | None:
    """``(trace_id, span_id)`` of the innermost span open now (the plugin's own, else its running handler's), else
    of the running message's ``traceparent`` header; None outside a traced handler, e.g. in ``setup``. The same in a
    worker process (``isolation: process``)."""
