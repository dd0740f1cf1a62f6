import builtins
import sys
import time

from redteam import attack, on_message, run_when_started  # noqa: F401


@attack("sys._current_frames() while the neighbour runs Python", needs="")
def foreign_frames():
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for frame in sys._current_frames().values():
            if frame.f_builtins is not builtins.__dict__:
                return f"a frame of another interpreter: {frame.f_code.co_name} {frame.f_globals.get('SECRET')!r}"
        time.sleep(0.01)
    return "no frame of another interpreter seen"


@attack("sys._current_exceptions() (the exceptions of every interpreter's threads)", needs="")
def foreign_exceptions():
    return len(sys._current_exceptions())


run_when_started(delay=2.0)
