"""A grant of one directory must not reach past it: links are followed by the kernel, and paths change under a check.

- A symlink in scratch/ to a path that does not exist yet: the policy resolves the missing last component "as
  written" (inside scratch/, allowed), the kernel follows the link and creates the file where it points (with
  'filesystem.write:/tmp' the usual grant for tempfile, anything a root process can write: /etc/cron.d).
- A hard link in scratch/ to a file the plugin may only read: os.link checks only that the source is readable, and
  the link is then a writable path to the same file.
- (A directory swapped between the check and the open is in ../../limits/swapped-directory: an in-process race no
  check before the call can close.)
- SSLContext.keylog_filename: CPython raises "open" with flags 0 and the fopen mode "a" in the second argument; the
  policy reads the flags only and judges a create/append as a read.
Harmless if they escape: files are created in /tmp under the red team's name, or in this plugin's own folder.
"""
import os
import ssl

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
