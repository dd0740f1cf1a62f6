import fcntl
import os
import signal
import socket

from redteam import attack, on_message, run_when_started  # noqa: F401


@attack("F_SETOWN(getpid) + F_SETSIG(SIGKILL) + O_ASYNC, then a byte: the kernel signals the host", needs="process.exit")
def kill_by_owner():
    left, right = socket.socketpair()
    fcntl.fcntl(left.fileno(), fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(left.fileno(), fcntl.F_SETSIG, signal.SIGKILL)
    fcntl.fcntl(left.fileno(), fcntl.F_SETFL, fcntl.fcntl(left.fileno(), fcntl.F_GETFL) | os.O_ASYNC)
    return right.send(b"x")


run_when_started()
