import fcntl
import os

from redteam import attack, on_message, run_when_started  # noqa: F401


def runtime_signal_pipe():
    """The write end of the last pipe the runtime made and kept both ends of before plugins start: System.Native's
    signal pipe (the PAL's own pipes come before it; the pipes after it are open at one end only)."""
    ends = {}
    for fd in range(3, 4096):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("pipe:"):
            ends.setdefault(target, {})[fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE] = fd
    pairs = sorted(both[os.O_WRONLY] for both in ends.values() if os.O_RDONLY in both and os.O_WRONLY in both)
    if not pairs:
        raise LookupError(f"no pipe open at both ends: {ends}")
    return pairs[-1]


@attack("os.write(<the runtime's signal pipe>, bytes([SIGTERM])): a forged SIGTERM", needs="")
def forged_sigterm():
    # Finding it reads the host's descriptors' flags (fcntl F_GETFL), which is refused already.
    return os.write(runtime_signal_pipe(), bytes([15]))


run_when_started()
