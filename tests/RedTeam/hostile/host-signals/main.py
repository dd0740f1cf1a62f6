"""process.signal never reaches the host process itself. Signal 0 probes: an escape would not harm the test host."""
import os
import signal
import threading

from redteam import attack, on_message  # noqa: F401


@attack("os.kill of the host's pid", needs="process.exit")
def kill_pid():
    return os.kill(os.getpid(), 0)


@attack("os.kill of this interpreter thread's id (a thread id reaches the whole process)", needs="process.exit")
def kill_own_thread():
    return os.kill(threading.get_native_id(), 0)


@attack("os.kill of another thread's id (one this plugin started)", needs="process.exit")
def kill_other_thread():
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        return os.kill(thread.native_id, 0)
    finally:
        done.set()
        thread.join()


@attack("os.kill(0): the host's process group", needs="process.exit")
def kill_group_zero():
    return os.kill(0, 0)


@attack("os.killpg of the host's process group", needs="process.exit")
def killpg():
    return os.killpg(os.getpgrp(), 0)


@attack("signal.pidfd_send_signal through a pidfd of the host", needs="process.exit")
def pidfd():
    return signal.pidfd_send_signal(os.pidfd_open(os.getpid()), 0)


@attack("signal.pthread_kill of the main thread", needs="process.exit")
def pthread_kill():
    return signal.pthread_kill(threading.main_thread().ident, 0)


@attack("signal.raise_signal", needs="process.exit")
def raise_signal():
    return signal.raise_signal(0)


@attack("signal.sigwait, which would take the host's SIGTERM", needs="")
def sigwait():
    return signal.sigtimedwait({signal.SIGTERM}, 0)
