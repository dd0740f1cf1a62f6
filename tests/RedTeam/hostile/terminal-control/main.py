"""The host's controlling terminal: os.login_tty is guarded, the ioctl it makes is not.

login_tty(fd) is setsid() + ioctl(fd, TIOCSCTTY) + dup2 onto 0-2. A host that is a session leader without a terminal
(every systemd service is) acquires the plugin's pty with TIOCSCTTY alone, and gets SIGHUP — whose default action
ends it — when the plugin closes the pty. Where the host is not a session leader, the kernel refuses TIOCSCTTY with
EPERM: that is not the policy's refusal, and the attack fails until the policy refuses it itself.
"""
import fcntl
import os
import termios

from redteam import attack, on_message  # noqa: F401


@attack("os.openpty then ioctl TIOCSCTTY: the plugin's pty as the host's controlling terminal", needs="")
def steal_terminal():
    leader, follower = os.openpty()
    try:
        return fcntl.ioctl(follower, termios.TIOCSCTTY, 0)
    finally:
        os.close(follower)
        os.close(leader)


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
