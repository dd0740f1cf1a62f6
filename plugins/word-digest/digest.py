"""word-digest: an asyncio plugin.

Its handler and setup are coroutines (``async def``), run as tasks of the instance's event loop. A digest asks
text-tools for the statistics of every text at once — ``await pluginhost.request_async`` under a semaphore of
``concurrency`` — and adds them up, so a digest of n texts takes about as long as its slowest text, not the sum.

Ask it: ``pluginhost.request("texts.digest", ["some text", "more text"])`` (or ``{"texts": [...]}``).
"""
import asyncio
import logging
import os
from collections import Counter

import pluginhost

log = logging.getLogger("word-digest")
concurrency = 4
top = 3


async def stats(text: str, gate: asyncio.Semaphore) -> dict:
    async with gate:
        reply = await pluginhost.request_async("text.stats", {"text": text, "top": top}, to="text-tools", timeout=10)
    return reply.payload


async def digest(texts: list[str]) -> dict:
    gate = asyncio.Semaphore(concurrency)
    results = await asyncio.gather(*(stats(text, gate) for text in texts))
    words = Counter()
    for result in results:
        for entry in result["top"]:
            words[entry["word"]] += entry["count"]
    return {
        "texts": len(results),
        "words": sum(result["words"] for result in results),
        "minutes": round(sum(result["readingMinutes"] for result in results), 1),
        "top": [{"word": word, "count": count} for word, count in words.most_common(top)],
    }


def read(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


async def setup(ctx: pluginhost.Context) -> None:
    global concurrency, top
    concurrency = max(1, int(ctx.settings.get("concurrency", concurrency)))
    top = int(ctx.settings.get("top", top))
    folder = os.path.join(os.path.dirname(__file__), "data")
    names = sorted(name for name in os.listdir(folder) if name.endswith(".txt"))
    loop = asyncio.get_running_loop()
    # File reads block, so they run in the loop's executor, all at once; the loop stays free meanwhile.
    texts = await asyncio.gather(*(loop.run_in_executor(None, read, os.path.join(folder, name)) for name in names))
    summary = await digest(texts)
    log.info("word-digest: %d bundled texts, %d words, most often %r", summary["texts"], summary["words"],
             summary["top"][0]["word"] if summary["top"] else None)


async def on_message(message: pluginhost.Message) -> dict:
    """A request on texts.digest: the payload is a list of texts, or {"texts": [...]}. Replies with the digest."""
    payload = message.payload
    texts = payload.get("texts", []) if isinstance(payload, dict) else payload
    if isinstance(texts, str) or not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ValueError("texts.digest takes a list of texts, or {\"texts\": [...]}")
    return await digest(texts)
