"""A path is judged as the kernel will receive it, whatever object carries it and whatever the flags look like.

Flip is a path-like object that names a file outside every grant the first time it is converted and this plugin's own
file afterwards: if the policy converted it again (PyOS_FSPath in the hook) it would judge a different path from the
one CPython already passed to the kernel.
"""
import os

from redteam import attack, on_message  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
OWN = os.path.join(HERE, "readonly.txt")


class Flip:
    def __init__(self, first, then):
        self.first, self.then, self.calls = first, then, 0

    def __fspath__(self):
        self.calls += 1
        return self.first if self.calls == 1 else self.then


@attack("os.open of a path-like object that says /etc/passwd first, then this plugin's file", needs="filesystem.read")
def flip_read():
    return os.read(os.open(Flip("/etc/passwd", OWN), os.O_RDONLY), 16)


@attack("os.open(O_CREAT) of a path-like object that says /tmp first", needs="filesystem.write")
def flip_create():
    return os.open(Flip("/tmp/pluginhost-redteam-flip", OWN), os.O_RDONLY | os.O_CREAT, 0o600)


@attack("os.listdir of a path-like object that says /root first", needs="filesystem.read")
def flip_list():
    return os.listdir(Flip("/root", HERE))


@attack("os.mkdir of a path-like object that says /tmp first", needs="filesystem.write")
def flip_mkdir():
    return os.mkdir(Flip("/tmp/pluginhost-redteam-flip-dir", OWN))


@attack("os.open(O_RDONLY | O_TRUNC) of this plugin's file (Linux truncates)", needs="filesystem.write")
def read_only_truncate():
    return os.open(OWN, os.O_RDONLY | os.O_TRUNC)


@attack("os.open(O_TMPFILE) in this plugin's folder", needs="filesystem.write")
def unnamed_file():
    return os.open(HERE, os.O_TMPFILE | os.O_WRONLY, 0o600)


@attack("os.open(O_PATH) of /etc/shadow (a descriptor for fstat, fchdir, *at calls)", needs="filesystem.read")
def path_descriptor():
    return os.open("/etc/shadow", os.O_PATH)
