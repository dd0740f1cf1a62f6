"""A known limit, not a gap to close in-process: a directory of scratch/ swapped (rename, no symlink involved) between
the policy's check and the kernel's open. The check sees a file in scratch/, the kernel opens /etc/passwd. Only a
check at open time by the kernel (Landlock, in a process of its own: issue #15) closes this. RedTeamTests runs it only
when its skip is removed (docs/isolation.md, "What cannot be enforced in-process").
"""
import os
import threading
import time

from redteam import attack, on_message  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
SCRATCH = os.path.join(HERE, "scratch")


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
