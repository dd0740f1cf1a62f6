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
