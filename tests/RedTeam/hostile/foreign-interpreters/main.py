"""Another interpreter's objects, and what one interpreter can do to the process through CPython's own switches.

sys._current_frames() and sys._current_exceptions() walk the threads of every interpreter of the process and return
their frames and exceptions to the caller: objects of another interpreter, used under another GIL. In a real
pluginhost, calling sys._current_frames() while a neighbour ran Python aborted the host (free(): invalid pointer). It
cannot be run harmlessly here, so the probe raises the audit event itself (sys.audit) and so tests the policy's rule
for it; RedTeamProcessTests runs the real call in a host process of its own.
"""
import gc
import sys
import threading

from redteam import attack, on_message  # noqa: F401


@attack("the policy's rule for sys._current_frames (frames of every interpreter's threads)", needs="")
def current_frames():
    return sys.audit("sys._current_frames")


@attack("the policy's rule for sys._current_exceptions (exceptions of every interpreter's threads)", needs="")
def current_exceptions():
    return sys.audit("sys._current_exceptions")


# 3.13 refuses the module in a subinterpreter; 3.12 loads it, and tracemalloc.start() there hooks the allocators of
# the whole process and records every interpreter's allocations (their file and function names) for this plugin.
@attack("import _tracemalloc (process-wide allocator hooks; 3.13 refuses it in subinterpreters)", refused_by="ImportError")
def tracemalloc():
    import _tracemalloc
    return _tracemalloc.is_tracing()


@attack("gc.get_referrers (CPython's crashers gc_inspection.py and underlying_dict.py)", needs="native-code")
def referrers():
    marker = object()
    return len(gc.get_referrers(marker))


@attack("gc.get_referents of a class's mappingproxy: its real dict, writable behind the type's caches", needs="native-code")
def referents():
    class Victim:
        def method(self):
            return 1
    return type(gc.get_referents(Victim.__dict__)[0]).__name__


@attack("threading.stack_size(32 KiB): CPython's C recursion then overflows the stack and ends the host", needs="native-code")
def small_stack():
    try:
        return threading.stack_size(32768)
    finally:
        threading.stack_size(0)


if hasattr(sys, "deactivate_stack_trampoline"):
    @attack("sys.deactivate_stack_trampoline (the process-wide perf trampoline; activating it needs process.control)", needs="process.control")
    def trampoline_off():
        return sys.deactivate_stack_trampoline()
