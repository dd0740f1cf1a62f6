"""Tries, over and over on a thread of its own, everything a plugin must not do to the process it shares.

Granted nothing, every attempt must fail inside this plugin (PermissionError from the host's policy, or CPython's own
refusal) while the host and the other plugins carry on. A message to the plugin returns what happened so far.
"""
import os
import signal
import socket
import subprocess
import threading

ATTEMPTS = {
    "os.chdir": lambda: os.chdir("/"),
    "os.putenv": lambda: os.putenv("PLUGINHOST_MISBEHAVING", "1"),
    "os.unsetenv": lambda: os.unsetenv("PATH"),
    "os._exit": lambda: os._exit(3),
    "os.abort": lambda: os.abort(),
    "os.kill(host)": lambda: os.kill(os.getpid(), signal.SIGTERM),
    "os.killpg(host)": lambda: os.killpg(os.getpgrp(), signal.SIGTERM),
    "os.kill(other)": lambda: os.kill(1, 0),
    "signal.alarm": lambda: signal.alarm(1),
    "signal.raise_signal": lambda: signal.raise_signal(signal.SIGTERM),
    "signal.signal": lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN),
    "subprocess": lambda: subprocess.run(["/bin/true"]),
    "os.system": lambda: os.system("/bin/true"),
    "os.posix_spawn": lambda: os.posix_spawn("/bin/true", ["true"], {}),
    "os.fork": lambda: os.fork(),
    "os.execv": lambda: os.execv("/bin/true", ["true"]),
    "ctypes": lambda: __import__("ctypes"),
    "socket.connect": lambda: socket.create_connection(("127.0.0.1", 9), timeout=0.1),
    "open(read)": lambda: open("/etc/passwd").read(),
    "open(write)": lambda: open("/tmp/pluginhost-misbehaving.txt", "w"),
    "os.dup2": lambda: os.dup2(99999, 1),
    "os.close": lambda: os.close(2),
    "os.umask": lambda: os.umask(0),
    "resource.setrlimit": lambda: __import__("resource").setrlimit(__import__("resource").RLIMIT_NOFILE, (16, 16)),
    "os.environ": lambda: os.environ.__setitem__("PLUGINHOST_MISBEHAVING", "1"),
}

# os.environ is the plugin's own copy: writing it succeeds and changes nothing outside.
EXPECTED_TO_SUCCEED = {"os.environ"}

_stop = threading.Event()
_rounds = 0
_refusals = {}
_unexpected = []


def _misbehave():
    global _rounds
    while not _stop.is_set():
        for name, attempt in ATTEMPTS.items():
            try:
                attempt()
            except (PermissionError, RuntimeError, ImportError, ValueError) as e:
                _refusals[name] = f"{type(e).__name__}: {e}"
            except OSError as e:
                _unexpected.append(f"{name} reached the system: {e}")
            else:
                if name not in EXPECTED_TO_SUCCEED:
                    _unexpected.append(f"{name} was allowed")
        _rounds += 1


_thread = threading.Thread(target=_misbehave, name="misbehave")


def setup(ctx):
    _thread.start()


def on_message(message):
    return {"rounds": _rounds, "refused": sorted(_refusals), "unexpected": _unexpected[:20]}


def teardown():
    _stop.set()
    _thread.join()
