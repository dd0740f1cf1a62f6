"""A grant of one directory must not reach past it: links are followed by the kernel, and paths change under a check.

- A symlink in scratch/ to a path that does not exist yet: the policy resolves the missing last component "as
  written" (inside scratch/, allowed), the kernel follows the link and creates the file where it points (with
  'filesystem.write:/tmp' the usual grant for tempfile, anything a root process can write: /etc/cron.d).
- A hard link in scratch/ to a file the plugin may only read: os.link checks only that the source is readable, and
  the link is then a writable path to the same file.
- A directory of scratch/ swapped (rename, no symlink involved) between the check and the open: the check sees a file
  in scratch/, the kernel opens /etc/passwd. Only a kernel check at open (the Landlock backstop) closes this.
- SSLContext.keylog_filename: CPython raises "open" with flags 0 and the fopen mode "a" in the second argument; the
  policy reads the flags only and judges a create/append as a read.
Harmless if they escape: files are created in /tmp under the red team's name, or in this plugin's own folder.
"""
import os
import ssl
import threading
import time

from redteam import attack, on_message  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
SCRATCH = os.path.join(HERE, "scratch")


def fresh_symlink(name, target):
    os.makedirs(SCRATCH, exist_ok=True)
    link = os.path.join(SCRATCH, name)
    if not os.path.lexists(link):
        os.symlink(target, link)
    return link


@attack("open(..., 'w') of a dangling symlink in scratch/ to /tmp", needs="filesystem.write")
def dangling_open():
    with open(fresh_symlink("dangling", "/tmp/pluginhost-redteam-dangling"), "w") as f:
        return f.write("created outside every grant\n")


@attack("os.open(O_CREAT) of a dangling symlink in scratch/ to /tmp", needs="filesystem.write")
def dangling_os_open():
    fd = os.open(fresh_symlink("dangling-fd", "/tmp/pluginhost-redteam-dangling-fd"), os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    return fd


@attack("sqlite3.connect of a dangling symlink in scratch/ to /tmp", needs="filesystem.write")
def dangling_sqlite():
    import sqlite3
    connection = sqlite3.connect(fresh_symlink("dangling.db", "/tmp/pluginhost-redteam-dangling.db"))
    connection.execute("create table if not exists t(x)")
    connection.close()
    return True


@attack("a hard link in scratch/ to this plugin's read-only file, then written through", needs="filesystem.write")
def hard_link():
    os.makedirs(SCRATCH, exist_ok=True)
    link = os.path.join(SCRATCH, "readonly-hard-link")
    if os.path.lexists(link):
        os.remove(link)
    os.link(os.path.join(HERE, "readonly.txt"), link)
    with open(link, "a") as f:
        return f.write("")   # an open for writing is the escape; nothing is written


@attack("SSLContext.keylog_filename in this plugin's own folder (fopen mode 'a', flags 0)", needs="filesystem.write")
def ssl_keylog():
    context = ssl.create_default_context()
    context.keylog_filename = os.path.join(HERE, "pluginhost-redteam-keylog.txt")
    return context.keylog_filename


@attack("a directory of scratch/ swapped between the check and the open: /etc/passwd read", needs="filesystem.read")
def swapped_directory():
    """Wins about once in a thousand opens on an idle machine; each loss is the policy seeing /etc/passwd."""
    benign, evil, current = (os.path.join(SCRATCH, name) for name in ("benign", "evil", "current"))
    for directory in (benign, evil):
        os.makedirs(directory, exist_ok=True)
    if not os.path.lexists(os.path.join(evil, "passwd")):
        os.symlink("/etc/passwd", os.path.join(evil, "passwd"))
    with open(os.path.join(benign, "passwd"), "w") as f:
        f.write("benign\n")
    os.rename(benign, current)
    parked = [evil, benign]   # what is parked where, while the other one is current
    stop = threading.Event()

    def swap():
        while not stop.is_set():
            os.rename(current, parked[1])
            os.rename(parked[0], current)
            parked.reverse()

    swapper = threading.Thread(target=swap)
    swapper.start()
    refusal = None
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with open(os.path.join(current, "passwd")) as f:
                    text = f.read(64)
            except PermissionError as e:
                refusal = e if "needs the capability" in str(e) else refusal or e
                continue
            except OSError:
                continue
            if not text.startswith("benign"):
                return f"read through the swap: {text[:20]!r}"
    finally:
        stop.set()
        swapper.join()
    raise refusal or TimeoutError("the swap never happened")
