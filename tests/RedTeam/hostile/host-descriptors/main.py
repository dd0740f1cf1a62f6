"""Descriptors 3 and up opened by the host (or another plugin) are not this plugin's to use.

Every descriptor open when this module is imported was opened by the host process or another plugin, never by this
plugin. os.write/os.read guard only 0-2 today, and fcntl, mmap, open(fd) and socket(fileno=) look at nothing but 0-2,
so the .NET runtime's pipes, sockets and files are all reachable: in a real pluginhost, os.write(<the runtime's
signal pipe>, bytes([15])) made the host shut down as on SIGTERM, os.write(<a copy of descriptor 1>, b"crit: ...")
forged a line in its log, and mmap(<memfd:doublemapper>, ACCESS_WRITE) gave a writable view of the runtime's
executable code (the JIT's W^X double mapping): native code in the host without 'native-code'. Each probe here is harmless if it escapes: nothing is written or read (zero bytes), a
duplicate is closed at once, an adopted socket is detached, a mapping is read-only and unmapped, flags are set to what
they already are.
"""
import fcntl
import mmap
import os
import socket
import stat

from redteam import attack, on_message  # noqa: F401


def _target(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def _mode(fd):
    return fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE


# What the process had open before this plugin ran a line of its own (os.readlink is not audited).
HOST = {fd: target for fd in range(3, 4096) if (target := _target(fd)) is not None}
LOG = {_target(1), _target(2)} - {None}


def host_descriptor(kind, modes):
    """The first host descriptor of a kind ("pipe", "socket", "file", "log") open for one of the access modes."""
    for fd, target in HOST.items():
        if _target(fd) != target:   # closed or reused since the snapshot: not the host's any more
            continue
        if target.startswith(("/dev/", "/memfd:")):
            continue   # the null and random devices, anonymous memory (below)
        matches = {
            "log": target in LOG,
            "pipe": target.startswith("pipe:"),
            "socket": target.startswith("socket:"),
            "file": target.startswith("/") and target not in LOG and _regular(fd),
        }[kind]
        if matches and _mode(fd) in modes:
            return fd
    raise LookupError(f"no host descriptor of kind {kind} open for {modes}: {HOST}")


def _regular(fd):
    status = os.fstat(fd)
    return stat.S_ISREG(status.st_mode) and status.st_size > 0


WRITABLE = (os.O_WRONLY, os.O_RDWR)
READABLE = (os.O_RDONLY, os.O_RDWR)


@attack("os.write of zero bytes to the host's pipe (in pluginhost, the .NET runtime's signal pipe: one byte is a forged SIGTERM)", needs="")
def write_pipe():
    return os.write(host_descriptor("pipe", WRITABLE), b"")


@attack("os.read of zero bytes from the host's pipe (reading it would take the runtime's signals away)", needs="")
def read_pipe():
    return os.read(host_descriptor("pipe", READABLE), 0)


if any(target in LOG for target in HOST.values()):
    @attack("os.write of zero bytes to a copy of the host's log descriptor (forged log lines)", needs="")
    def write_log_copy():
        return os.write(host_descriptor("log", WRITABLE), b"")


@attack("os.dup of a host descriptor", needs="")
def dup_host():
    copy = os.dup(host_descriptor("pipe", READABLE + WRITABLE))
    os.close(copy)
    return copy


@attack("fcntl F_SETFL on a host descriptor (its own flags again; O_NONBLOCK would break the runtime)", needs="")
def setfl_host():
    fd = host_descriptor("pipe", READABLE + WRITABLE)
    return fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL))


@attack("a socket object over the host's socket, its family claimed as AF_UNIX (the audit event sees only the claim)", needs="")
def adopt_socket():
    adopted = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, host_descriptor("socket", READABLE + WRITABLE))
    try:
        return adopted.getsockname()
    finally:
        adopted.detach()   # never closes the host's descriptor


@attack("open() over a host file descriptor, closefd=False, reading nothing", needs="")
def file_object():
    with open(host_descriptor("file", READABLE), "rb", buffering=0, closefd=False) as f:
        return f.read(0)


@attack("mmap of a host file descriptor, read-only", needs="")
def map_host_file():
    with mmap.mmap(host_descriptor("file", READABLE), 0, access=mmap.ACCESS_READ) as mapped:
        return len(mapped)


DOUBLE_MAPPED = [fd for fd, target in HOST.items() if target.startswith("/memfd:doublemapper")]

if DOUBLE_MAPPED:   # the runtime's W^X double mapping (DOTNET_EnableWriteXorExecute, on by default)
    @attack("a writable mapping of the .NET runtime's code (memfd:doublemapper): native code in the host; nothing written", needs="")
    def map_runtime_code():
        with mmap.mmap(DOUBLE_MAPPED[0], mmap.PAGESIZE, access=mmap.ACCESS_WRITE) as mapped:
            return mapped[:16].hex()


@attack("a socket object over descriptor 1, claimed AF_UNIX (under systemd stdout is the journal's socket: forged lines, "
        "and closing the object closes the host's stdout; elsewhere ENOTSOCK shows the kernel was asked)", needs="process.stdio")
def socket_over_stdout():
    adopted = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, 1)
    try:
        return adopted.send(b"")
    finally:
        adopted.detach()   # never closes descriptor 1
