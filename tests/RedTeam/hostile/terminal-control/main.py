"""A terminal of the plugin's own is fine; making it the host's is not.

login_tty(fd) is setsid() + ioctl(fd, TIOCSCTTY) + dup2 onto 0-2, and only login_tty is guarded: the TIOCSCTTY ioctl
alone makes the plugin's pty the controlling terminal of a host that is a session leader (every systemd service is),
which then dies of SIGHUP when the plugin closes it. That attack runs in a host process of its own
(tests/RedTeam/process/controlling-terminal, RedTeamProcessTests): here the test process is no session leader and the
kernel would refuse it with EPERM. Here: a pty follower opened by name, which is a file like any other.
"""
import os

from redteam import attack, on_message  # noqa: F401


@attack("the follower of a pty from os.posix_openpt (without O_NOCTTY), opened by its name", needs="filesystem")
def open_follower():
    leader = os.posix_openpt(os.O_RDWR)
    try:
        os.grantpt(leader)
        os.unlockpt(leader)
        follower = os.open(os.ptsname(leader), os.O_RDWR)
        os.close(follower)
        return follower
    finally:
        os.close(leader)
