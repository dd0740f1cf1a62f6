import fcntl
import os

from redteam import attack, on_message, run_when_started  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))


@attack("F_NOTIFY(DN_ACCESS) on this plugin's folder, then a read in it: SIGIO to the host", needs="process.exit")
def notify_then_read():
    fd = os.open(HERE, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.fcntl(fd, fcntl.F_NOTIFY, fcntl.DN_ACCESS)
    with open(os.path.join(HERE, "plugin.json")) as f:
        return len(f.read())


run_when_started()
