"""Descriptor 2 without os.write: CPython's own fallbacks to the C stream stderr.

PySys_WriteStderr/PySys_FormatStderr write to sys.stderr, and when that is None or its write fails, to the C stream
stderr — the host's descriptor 2. gc.set_debug(DEBUG_COLLECTABLE) reports every collectable object as
"gc: collectable <TYPE-NAME ADDRESS>", and a type's name is any string: in a real pluginhost a type named
"x>\\ncrit: PluginHost.Host[1] forged..." printed a forged 'crit:' line in the host's log. sys._debugmallocstats()
writes its statistics to the C stream directly. Harmless if they escape: a line saying it is the red team's.
"""
import gc
import sys

from redteam import attack, on_message  # noqa: F401


@attack("gc.set_debug(DEBUG_COLLECTABLE) with sys.stderr None: a type name printed on descriptor 2", needs="process.stdio")
def gc_debug_output():
    saved = sys.stderr
    sys.stderr = None
    try:
        gc.set_debug(gc.DEBUG_COLLECTABLE)
        named = type("pluginhost-redteam>\nwarn: pluginhost-redteam: a line a plugin printed on descriptor 2 <x", (), {})
        cycle = named()
        cycle.self = cycle
        del cycle
        return gc.collect()
    finally:
        gc.set_debug(0)
        sys.stderr = saved


@attack("sys._debugmallocstats(): allocator statistics printed on descriptor 2", needs="process.stdio")
def malloc_stats():
    return sys._debugmallocstats()
