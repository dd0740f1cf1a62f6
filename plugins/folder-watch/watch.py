"""Folder watch: polls a folder on its own (non-daemon) thread, logs what appears, changes or disappears, and tells
other plugins: ``files.added`` / ``files.changed`` / ``files.removed`` events, and ``files.data`` with the bytes of
small files (headers ``name`` and ``extension``) so readers never need access to this folder."""
import fnmatch
import logging
import os
import threading

import pluginhost

log = logging.getLogger("folder-watch")
_stop = threading.Event()
_thread = None


def snapshot(folder, pattern):
    seen = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file() and fnmatch.fnmatch(entry.name, pattern):
                stat = entry.stat()
                seen[entry.name] = (stat.st_size, stat.st_mtime_ns)
    return seen


def changes(before, after):
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    changed = sorted(name for name in after.keys() & before.keys() if after[name] != before[name])
    return added, changed, removed


def _announce(folder, event, name, size, max_inline):
    pluginhost.publish(f"files.{event}", {"name": name, "size": size})
    if event != "removed" and size <= max_inline:
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        extension = os.path.splitext(name)[1].lstrip(".").lower()
        pluginhost.publish("files.data", data, {"name": name, "extension": extension})


def _watch(folder, pattern, interval, max_inline):
    before = snapshot(folder, pattern)
    log.info("watching %s (%d files, every %.1fs)", folder, len(before), interval)
    while not _stop.wait(interval):
        after = snapshot(folder, pattern)
        added, changed, removed = changes(before, after)
        for name in added:
            log.info("new file %s (%d bytes)", name, after[name][0])
            _announce(folder, "added", name, after[name][0], max_inline)
        for name in changed:
            log.info("changed %s (%d bytes)", name, after[name][0])
            _announce(folder, "changed", name, after[name][0], max_inline)
        for name in removed:
            log.warning("removed %s", name)
            _announce(folder, "removed", name, before[name][0], max_inline)
        before = after


def setup(ctx: pluginhost.Context) -> None:
    global _thread
    folder = os.path.join(os.path.dirname(__file__), ctx.settings["path"])
    os.makedirs(folder, exist_ok=True)
    _stop.clear()
    _thread = threading.Thread(target=_watch, name="folder-watch",
                               args=(folder, ctx.settings["pattern"], float(ctx.settings["interval_seconds"]),
                                     int(ctx.settings["max_inline_bytes"])))
    _thread.start()


def teardown() -> None:
    _stop.set()
    if _thread is not None:
        _thread.join()
    log.info("stopped watching")
