"""Paths that are hard to resolve must be resolved as the kernel will, or denied."""
import os

from redteam import attack, on_message  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))


def padded(link, target, length=4090):
    """HERE/link/././.../target, between 4064 and 4095 bytes: under the kernel's PATH_MAX, over a naive resolver's."""
    head = os.path.join(HERE, link) + "/"
    dots = "./" * ((length - len(head) - len(target)) // 2)
    path = head + dots + target
    assert 4064 <= len(path.encode()) <= 4095, len(path)
    return path


@attack("read /etc/passwd through the shipped etc-link, 4064-4095 bytes", needs="filesystem.read")
def etc_passwd():
    return open(padded("etc-link", "passwd")).read()


@attack("read /etc/shadow the same way", needs="filesystem.read")
def etc_shadow():
    return open(padded("etc-link", "shadow"), "rb").read()


@attack("read the neighbour's secret through a relative symlink, long", needs="filesystem.read")
def neighbour_long():
    return open(padded("neighbour-link", "secret.txt")).read()


@attack("read the neighbour's secret through a relative symlink", needs="filesystem.read")
def neighbour():
    return open(os.path.join(HERE, "neighbour-link", "secret.txt")).read()


@attack("read /proc/self/mem through the shipped proc-link, long", needs="filesystem.read")
def proc_mem():
    with open(padded("proc-link", "mem"), "rb") as f:
        return f.read(1)


@attack("create a file in /etc through etc-link, long", needs="filesystem.write")
def write_etc():
    return open(padded("etc-link", "pluginhost-redteam-created"), "w")


@attack("'..' after a directory that does not exist", needs="filesystem.read")
def dotdot_after_missing():
    return open(os.path.join(HERE, "missing", "..", "..", "ponger", "secret.txt")).read()


@attack("a path longer than PATH_MAX", needs="filesystem.read")
def too_long():
    return open(HERE + "/" + "./" * 3000 + "main.py").read()


@attack("os.open relative to a dir_fd of the plugin's own folder, up to the neighbour", needs="filesystem.read")
def dir_fd_neighbour():
    here = os.open(HERE, os.O_RDONLY)
    try:
        return os.read(os.open("../ponger/secret.txt", os.O_RDONLY, dir_fd=here), 100)
    finally:
        os.close(here)


@attack("os.open relative to a dir_fd, through etc-link", needs="filesystem.read")
def dir_fd_link():
    here = os.open(HERE, os.O_RDONLY)
    try:
        return os.read(os.open("etc-link/passwd", os.O_RDONLY, dir_fd=here), 100)
    finally:
        os.close(here)


@attack("os.stat-free listing of /etc through a descriptor", needs="filesystem.read")
def list_by_descriptor():
    return os.listdir(os.open(os.path.join(HERE, "etc-link"), os.O_RDONLY))


@attack("bytes path through etc-link, long", needs="filesystem.read")
def bytes_path():
    return open(padded("etc-link", "passwd").encode(), "rb").read()
