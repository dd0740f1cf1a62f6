"""Descriptors 0, 1 and 2 are the host's: no write, truncate, seek, duplicate, close or mode change without process.stdio."""
import fcntl
import os
import sys
import termios

from redteam import attack, on_message  # noqa: F401

FORGED = b"crit: PluginHost.Host[1] forged by a plugin\n"


@attack("os.write to descriptor 1 (a forged host log line)", needs="process.stdio")
def write_stdout():
    return os.write(1, FORGED)


@attack("os.writev to descriptor 2", needs="process.stdio")
def writev_stderr():
    return os.writev(2, [FORGED])


@attack("os.ftruncate of descriptor 1 (erases a log file)", needs="process.stdio")
def truncate_stdout():
    return os.ftruncate(1, 0)


@attack("os.lseek of descriptor 1 (overwrites a log file from its start)", needs="process.stdio")
def seek_stdout():
    return os.lseek(1, 0, os.SEEK_SET)


@attack("os.posix_fallocate on descriptor 1 (fills the disk under a log file)", needs="process.stdio")
def fallocate_stdout():
    return os.posix_fallocate(1, 0, 1 << 30)


@attack("os.dup of descriptor 1, to write through the copy", needs="process.stdio")
def dup_stdout():
    return os.write(os.dup(1), FORGED)


@attack("os.dup2 of /dev/null onto descriptor 1", needs="process.stdio")
def dup2_stdout():
    return os.dup2(os.open("/dev/null", os.O_WRONLY), 1)


@attack("os.close of descriptor 2", needs="process.stdio")
def close_stderr():
    return os.close(2)


@attack("os.closerange over 0-2", needs="process.stdio")
def closerange():
    return os.closerange(0, 3)


@attack("os.set_blocking(0, False)", needs="process.stdio")
def nonblocking():
    return os.set_blocking(0, False)


@attack("fcntl F_SETFL O_NONBLOCK on descriptor 1", needs="process.stdio")
def fcntl_setfl():
    return fcntl.fcntl(1, fcntl.F_SETFL, os.O_NONBLOCK)


@attack("fcntl F_DUPFD of descriptor 1", needs="process.stdio")
def fcntl_dupfd():
    return fcntl.fcntl(1, fcntl.F_DUPFD, 100)


@attack("ioctl on descriptor 0", needs="process.stdio")
def ioctl_stdin():
    return fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)


@attack("termios.tcsetattr on descriptor 0", needs="process.stdio")
def tcsetattr():
    return termios.tcsetattr(0, termios.TCSANOW, [0, 0, 0, 0, 0, 0, [b"\0"] * 32])


@attack("open(1, 'w'): a file object over descriptor 1", needs="process.stdio")
def open_descriptor():
    return open(1, "w", closefd=False).write(FORGED.decode())


@attack("reopening descriptor 1 by /proc/self/fd/1", needs="filesystem")
def reopen_proc():
    return open("/proc/self/fd/1", "w").write(FORGED.decode())


@attack("reopening /dev/stdout", needs="filesystem")
def reopen_dev_stdout():
    return open("/dev/stdout", "w").write(FORGED.decode())


@attack("mmap of descriptor 1", needs="process.stdio")
def mmap_stdout():
    import mmap
    return mmap.mmap(1, 4096)


@attack("socket.dup of descriptor 1", needs="process.stdio")
def socket_dup():
    import socket
    return socket.dup(1)


@attack("os.openpty then os.login_tty: the host as session leader of the plugin's terminal", needs="")
def login_tty():
    leader, follower = os.openpty()
    return os.login_tty(follower)


@attack("os.tcsetpgrp of descriptor 0", needs="process.control")
def tcsetpgrp():
    return os.tcsetpgrp(0, os.getpgrp())


@attack("sys.std* and sys.__std*__: none is a stream over descriptors 0-2", returns=[])
def standard_stream_objects():
    found = []
    for name in ("stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__"):
        try:
            number = getattr(sys, name).fileno()
        except (OSError, ValueError, AttributeError):
            continue
        if number in (0, 1, 2):
            found.append(f"sys.{name} over descriptor {number}")
    return found
