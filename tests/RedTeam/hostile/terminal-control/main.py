"""A terminal of the plugin's own is fine; making it the host's is not.

login_tty(fd) is setsid() + ioctl(fd, TIOCSCTTY) + dup2 onto 0-2, and only login_tty is guarded: the TIOCSCTTY ioctl
alone makes the plugin's pty the controlling terminal of a host that is a session leader (every systemd service is),
which then dies of SIGHUP when the plugin closes it. That attack runs in a host process of its own
(tests/RedTeam/process/controlling-terminal, RedTeamProcessTests): here the test process is no session leader and the
kernel would refuse it with EPERM. Here: a pty follower opened by its name, which is a file like any other.
"""
import os

from redteam import attack, on_message  # noqa: F401


@attack("the follower of the plugin's own pty, opened again by its name (/dev/pts/N)", needs="filesystem")
def open_follower():
    leader, follower = os.openpty()
    try:
        name = os.ttyname(follower)
        again = os.open(name, os.O_RDWR)   # without O_NOCTTY: a session leader without a terminal would acquire it
        os.close(again)
        return name
    finally:
        os.close(follower)
        os.close(leader)
