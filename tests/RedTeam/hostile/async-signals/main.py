"""Signals the kernel delivers for a descriptor: the owner it is set to is a kill(2) in waiting.

F_SETOWN (and its ioctl twins FIOSETOWN, SIOCSPGRP, and F_SETOWN_EX) names the process or group that gets SIGIO/SIGURG
(or the F_SETSIG signal, even SIGKILL) when the descriptor becomes ready; the kernel checks nothing more at delivery for
root. F_NOTIFY and F_SETLEASE signal the process that set them — the host — on a directory access or a lease break,
and SIGIO's default action ends the process. So each needs what a kill of its target needs. Harmless if they escape
here: no O_ASYNC and no I/O follow, the watch and the lease are removed at once.
"""
import fcntl
import os
import socket
import struct

from redteam import attack, on_message  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
QUIET = os.path.join(HERE, "quiet")
F_SETOWN_EX, F_OWNER_PID = 15, 1
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902


def on_socket(action):
    left, right = socket.socketpair()
    with left, right:
        return action(left.fileno())


@attack("fcntl F_SETOWN of a socket to the host's own pid", needs="process.exit")
def setown_host():
    return on_socket(lambda fd: fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid()))


@attack("fcntl F_SETOWN to the host's process group (a negative owner)", needs="process.exit")
def setown_group():
    return on_socket(lambda fd: fcntl.fcntl(fd, fcntl.F_SETOWN, -os.getpgrp()))


@attack("fcntl F_SETOWN to another process (pid 1)", needs="process.signal")
def setown_other():
    return on_socket(lambda fd: fcntl.fcntl(fd, fcntl.F_SETOWN, 1))


@attack("fcntl F_SETOWN_EX (F_OWNER_PID) to the host's pid", needs="process.exit")
def setown_ex():
    return on_socket(lambda fd: fcntl.fcntl(fd, F_SETOWN_EX, struct.pack("ii", F_OWNER_PID, os.getpid())))


@attack("ioctl FIOSETOWN to the host's pid", needs="process.exit")
def fiosetown():
    return on_socket(lambda fd: fcntl.ioctl(fd, FIOSETOWN, struct.pack("i", os.getpid())))


@attack("ioctl SIOCSPGRP to the host's pid", needs="process.exit")
def siocspgrp():
    return on_socket(lambda fd: fcntl.ioctl(fd, SIOCSPGRP, struct.pack("i", os.getpid())))


@attack("fcntl F_NOTIFY on a directory (SIGIO to the host on the next change; DN_ACCESS: on the next read)", needs="process.exit")
def notify():
    fd = os.open(QUIET, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_DELETE)
    finally:
        os.close(fd)   # removes the watch


@attack("fcntl F_SETLEASE on a file (SIGIO to the host when anyone opens it for writing)", needs="process.exit")
def lease():
    fd = os.open(os.path.join(QUIET, "README"), os.O_RDONLY)
    try:
        taken = fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return taken
    finally:
        os.close(fd)
