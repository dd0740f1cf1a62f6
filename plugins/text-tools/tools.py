"""text-tools: the Python side of a plugin with a .NET part.

The work is done by the plugin's own host functions (src/TextFunctions.cs, built into dotnet/), called with
pluginhost.call; a plugin may always call its own. host.info is the host's, granted in plugin.json as host:host.info.
"""
import logging

import pluginhost

log = logging.getLogger("text-tools")
top = 5


def setup(ctx: pluginhost.Context) -> None:
    global top
    top = int(ctx.settings.get("top", top))
    info = pluginhost.call("host.info")
    sample = pluginhost.call("text.stats", {"text": __doc__, "top": 1})
    log.info("text-tools ready on %s: its own docstring has %d words, most often %r",
             info["dotnet"], sample["words"], sample["top"][0]["word"])


def on_message(message: pluginhost.Message):
    """A request on text.stats (or addressed to text-tools): the payload is the text, or {"text": ..., "top": n}.
    {"slug": "..."} asks for a URL slug instead. Replies with the result."""
    payload = message.payload
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="replace")
    if isinstance(payload, dict) and "slug" in payload:
        return pluginhost.call("text.slug", payload["slug"])
    request = dict(payload) if isinstance(payload, dict) else {"text": str(payload)}
    request.setdefault("top", top)
    return pluginhost.call("text.stats", request)
