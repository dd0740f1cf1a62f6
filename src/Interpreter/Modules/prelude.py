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


_subscribe = subscribe


def subscribe(pattern, handler):
    return _subscribe(pattern, _sync_form(handler))


subscribe.__doc__ = _subscribe.__doc__


# The instance's asyncio event loop (docs/writing-plugins.md#async-plugins). Run only by the interpreter's own thread,
# and only while it runs a coroutine of the plugin (a handler, setup or teardown): other tasks advance then.
_loop = None
# _loop, _event_loop, _owner, _set_running_loop and _go_on are also read by the native step (SdkModule.Step.cs).
_aio = _get_ident = _set_running_loop = _owner = None
_running = None     # the task of the handler, setup or teardown the loop runs now
_timed_out = None   # that task, once the host's timeout cancelled it


def _event_loop():
    """The instance's loop, made on first need (the host makes it before setup when the plugin imports asyncio)."""
    global _loop, _aio, _get_ident, _set_running_loop, _owner
    loop = _loop
    if loop is None or loop.is_closed():
        import asyncio, threading
        _aio, _get_ident = asyncio, threading.get_ident   # looked up once: _run is on every message's path
        _set_running_loop = asyncio._set_running_loop
        _owner = threading.get_ident()   # the interpreter's thread: the only one that runs the loop
        loop = _loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        if _wake_r is not None:
            loop.add_reader(_wake_r.fileno(), _woken)
    return loop


def _code_of(handler):
    """The code object behind a handler: through functools.partial, of a function or bound method; None otherwise."""
    while True:
        inner = getattr(handler, "func", None)   # functools.partial
        if inner is None or not callable(inner):
            break
        handler = inner
    return getattr(handler, "__code__", None)


def _is_coroutine_function(handler):
    code = _code_of(handler)
    return code is not None and bool(code.co_flags & 0x80)   # CO_COROUTINE


def _never_waits(handler):
    """True when the coroutine function's own code has no await, ``async with``/``async for`` or yield, and does not
    ask for its task: its coroutine ends in its first step, which then needs no Task (~1 µs a message). Such a step
    still sees the instance's loop running (``get_running_loop``, ``create_task``); ``current_task()`` would be None,
    so code that names it keeps the task."""
    code = _code_of(handler)
    if code is None or "current_task" in code.co_names:
        return False
    import dis
    waits = ("YIELD_VALUE", "SEND", "GET_AWAITABLE", "BEFORE_ASYNC_WITH", "GET_AITER", "GET_ANEXT")
    return not any(instruction.opname in waits for instruction in dis.get_instructions(code))


def _sync_form(handler):
    """``handler`` itself, or for a coroutine function one that runs its coroutine on the instance's loop: to the end
    (MaxConcurrency 1), or up to its first real wait, leaving it in flight (``_start``)."""
    if not _is_coroutine_function(handler):
        return handler
    if _never_waits(handler):
        # Its one step, run natively (SdkModule.Step): as a task would run it (the loop running, a copy of the
        # context), without the Task, and without a Python frame or StopIteration of ours.
        return _step_form(handler)

    def run(message):
        if _max_concurrency > 1:
            return _start(handler(message), message)
        return _run(handler(message))
    run.__wrapped__ = handler
    run.__name__ = getattr(handler, "__name__", "handler")
    return run


def _run(coroutine):
    """Runs a coroutine of the plugin as a task of the instance's loop until it ends and returns its result.

    The host's timeout cancels the task (``_cancel_running``): the coroutine sees CancelledError at its await, and
    the caller HandlerTimeout. One that ignores the cancellation keeps running, as sync code that ignores the
    interrupt does, and the host treats the instance as stuck.
    """
    global _running, _timed_out
    loop = _loop
    if loop is None or loop.is_closed():
        loop = _event_loop()
    task = _eager_task(loop, coroutine)
    if task.done():
        return task.result()   # it never waited: no turn of the loop (a turn costs ~20x a sync handler's call)
    _running = task
    try:
        return loop.run_until_complete(task)
    except _aio.CancelledError:
        if _timed_out is task:
            raise HandlerTimeout() from None
        raise
    finally:
        _running = _timed_out = None


def _go_on(coroutine, yielded, message):
    """A coroutine of a handler that was not expected to wait (``_never_waits``) did: it goes on as a task from where
    it stopped, like any other."""
    rest = _rest(coroutine, yielded)
    return _start(rest, message) if _max_concurrency > 1 else _run(rest)


async def _rest(coroutine, yielded):
    return await _delegate(coroutine, yielded)


class _delegate:
    """Awaitable that goes on with a coroutine stopped at ``yielded`` (what its first step yielded to its driver),
    passing on what the task sends or throws: ``yield from`` over a coroutine already started."""

    __slots__ = ("_coroutine", "_yielded")

    def __init__(self, coroutine, yielded):
        self._coroutine, self._yielded = coroutine, yielded

    def __await__(self):
        coroutine, yielded = self._coroutine, self._yielded
        while True:
            try:
                sent = yield yielded
            except BaseException as error:
                try:
                    yielded = coroutine.throw(error)
                except StopIteration as end:
                    return end.value
            else:
                try:
                    yielded = coroutine.send(sent)
                except StopIteration as end:
                    return end.value


def _eager_task(loop, coroutine):
    """A task of ``loop`` that has run ``coroutine`` up to its first real wait (asyncio's eager start, 3.12+): as a task,
    so current_task(), TaskGroup and timeout() work in that first step. Eager start needs a running loop; this thread's
    loop counts as running for the step, as it would inside run_until_complete."""
    loop._thread_id = _get_ident()   # what loop.is_running() reads; None again before the loop runs
    _aio._set_running_loop(loop)
    try:
        return _aio.Task(coroutine, loop=loop, eager_start=True)
    finally:
        _aio._set_running_loop(None)
        loop._thread_id = None


# Many messages in flight (PluginHost:Plugins:<name>:MaxConcurrency > 1, docs/messaging.md#concurrency). An async
# handler that waits is left as a task of the loop, and the host takes the next message; the host runs the loop
# (_pump) while it has nothing else to do, and collects each task's outcome (_outcome) by the key it was given.
_max_concurrency = 1
_handler_timeout = None   # seconds: the host's HandlerTimeout, timed on the loop for tasks in flight


class _Suspended:
    """Returned to the host for a message whose async handler waits: its outcome comes later."""

    __slots__ = ()

    def __repr__(self):
        return "<pluginhost: in flight>"


_SUSPENDED = _Suspended()
_started = []           # tasks of the message being handled now that wait (one per async handler it matched)
_started_for = None     # that message
_in_flight = {}         # key -> task
_timed_out_keys = set()
_finished = []          # keys whose tasks ended, not yet collected by the host
_next_key = 0
_pumping = False
_wake_r = _wake_w = None   # the host writes a byte to _wake_w to end a _pump early (work for the thread)


def _start(coroutine, message):
    """Runs ``coroutine`` as a task up to its first real wait: its result if it ended there, else _SUSPENDED."""
    global _started_for
    loop = _loop
    if loop is None or loop.is_closed():
        loop = _event_loop()
    task = _eager_task(loop, coroutine)
    if task.done():
        return task.result()
    if _started_for is not message:
        _started.clear()   # left by a message whose last handler was sync: those tasks run on unattached
        _started_for = message
    _started.append(task)
    return _SUSPENDED


async def _last_of(tasks):
    result = None
    for task in tasks:
        result = await task
    return result


def _suspend_message():
    """Called by the host after a message's handlers returned _SUSPENDED: the key its outcome will be reported under."""
    global _next_key, _started_for
    tasks = list(_started)
    _started.clear()
    _started_for = None
    loop = _loop
    task = tasks[0] if len(tasks) == 1 else loop.create_task(_last_of(tasks))
    _next_key += 1
    key = _next_key
    _in_flight[key] = task
    timer = loop.call_later(_handler_timeout, _time_out_key, key) if _handler_timeout else None
    task.add_done_callback(lambda _, key=key, timer=timer: _task_done(key, timer))
    return key


def _time_out_key(key):
    task = _in_flight.get(key)
    if task is not None and not task.done():
        _timed_out_keys.add(key)
        task.cancel("timed out: HandlerTimeout")


def _task_done(key, timer):
    if timer is not None:
        timer.cancel()
    _finished.append(key)
    if _pumping:
        _loop.stop()


def _outcome(key):
    """The result of the task in flight under ``key`` (it ended); raises what it raised (HandlerTimeout when timed out)."""
    task = _in_flight.pop(key)
    if key in _timed_out_keys:
        _timed_out_keys.discard(key)
        if task.cancelled():
            raise HandlerTimeout()
    return task.result()


def _pump(run=True):
    """Runs the loop (``run``) until a task in flight ends or the host wakes it; the keys of tasks that ended, or None
    when none did and the loop is gone (closed at stop): then the tasks still listed will never end."""
    global _pumping
    loop = _loop
    alive = loop is not None and not loop.is_closed()
    if run and alive and not _finished and _in_flight:
        _pumping = True
        try:
            loop.run_forever()
        finally:
            _pumping = False
    if not _finished:
        return () if alive else None
    done = tuple(_finished)
    _finished.clear()
    return done


def _wake_fd():
    """The descriptor the host writes a byte to while the loop runs in _pump, when other work reaches the thread."""
    global _wake_r, _wake_w
    if _wake_w is None:
        import socket
        _wake_r, _wake_w = socket.socketpair()
        _wake_r.setblocking(False)
        _wake_w.setblocking(False)
        _event_loop().add_reader(_wake_r.fileno(), _woken)
    return _wake_w.fileno()


def _woken():
    try:
        while _wake_r.recv(4096):
            pass
    except BlockingIOError:
        pass
    if _pumping:
        _loop.stop()


def _finish_in_flight(wait):
    """At stop: the tasks in flight get ``wait`` seconds to end, then the rest are cancelled (their outcomes are
    collected by the host afterwards)."""
    loop = _loop
    tasks = [t for t in _in_flight.values() if not t.done()]
    if loop is None or loop.is_closed() or not tasks:
        return
    async def finish():
        _, pending = await _aio.wait(tasks, timeout=max(wait, 0))
        for task in pending:
            task.cancel("the instance stopped")
        if pending:
            await _aio.wait(pending, timeout=max(wait, 0.1))
    _run(finish())


def _run_hook(result):
    """setup's or teardown's return value: a coroutine (an ``async def`` hook) runs on the instance's loop."""
    if hasattr(result, "cr_code"):
        return _run(result)
    return result


def _cancel_running():
    """Called by the host's interrupter, another thread of this interpreter holding its GIL. True when the loop runs a
    coroutine of the plugin that is not executing now (it waits at an await, or other tasks run): its task is cancelled
    on the loop, which is woken for it. False leaves the interrupt to raise HandlerTimeout where the thread is (sync
    code, or the coroutine itself executing)."""
    task = _running
    if task is None or task.done():
        return False
    loop = task.get_loop()
    import asyncio
    if asyncio.current_task(loop) is task:
        return False
    loop.call_soon_threadsafe(_time_out, task)
    return True


def _time_out(task):
    global _timed_out
    if task is _running and not task.done():
        _timed_out = task
        task.cancel("timed out: HandlerTimeout")


def _close_loop():
    """After teardown: the tasks still pending are cancelled and given one run to end, then the loop is closed."""
    global _loop
    loop = _loop
    if loop is None or loop.is_closed():
        return
    import asyncio
    try:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        if pending:
            for task in pending:
                task.cancel()
            async def finish():
                await asyncio.gather(*pending, return_exceptions=True)
            _run(finish())
        _run(loop.shutdown_asyncgens())
    finally:
        _loop = None
        asyncio.set_event_loop(None)
        loop.close()


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


# Traces (docs/observability.md#a-plugins-own-spans). The ids are those of W3C trace context: 32 and 16 hex digits.

def current_trace():
    """``(trace_id, span_id)`` of the innermost span open now (the plugin's own, else its running handler's), else of
    the running message's ``traceparent``; None outside a traced handler."""
    parent = _current_trace()
    if parent is None or len(parent) < 55:
        return None
    return parent[3:35], parent[36:52]


_ATTRIBUTE_TYPES = (str, bool, int, float)


class Span:
    """What ``pluginhost.span`` returns: a context manager (``with`` or ``async with``) for one span."""

    __slots__ = ("_name", "_attributes", "_handle")

    def __init__(self, name, attributes):
        self._name = name
        self._attributes = attributes
        self._handle = 0

    def __enter__(self):
        if self._handle:
            raise RuntimeError("this span is already open; call pluginhost.span() again for another")
        self._handle = _span_start(self._name, self._attributes)
        return self

    def __exit__(self, error_type, error, traceback):
        handle = self._handle
        if handle:
            self._handle = 0
            if error_type is None:
                _span_end(handle, None, None)
            else:
                _span_end(handle, error_type.__qualname__, str(error))
        return False

    async def __aenter__(self):
        return self.__enter__()

    async def __aexit__(self, error_type, error, traceback):
        return self.__exit__(error_type, error, traceback)

    @property
    def recording(self):
        """True while open and recorded (someone listens and the trace is sampled)."""
        return self._handle != 0


def span(name, attributes=None):
    """A span around the plugin's own work: ``with pluginhost.span("parse", attributes={"rows": 3}):``."""
    if not isinstance(name, str):
        raise TypeError(f"span() name must be str, not {type(name).__name__}")
    if attributes is not None:
        if not isinstance(attributes, dict):
            raise TypeError(f"span() attributes must be a dict, not {type(attributes).__name__}")
        for key, value in attributes.items():
            if not isinstance(key, str):
                raise TypeError(f"span() attribute names must be str, not {type(key).__name__}")
            if not isinstance(value, _ATTRIBUTE_TYPES):
                raise TypeError(f"span() attribute {key!r} must be str, bool, int or float, not {type(value).__name__}")
            if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
                raise ValueError(f"span() attribute {key!r} does not fit in 64 bits")
    return Span(name, attributes)
