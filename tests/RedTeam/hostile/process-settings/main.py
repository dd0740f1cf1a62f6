"""Process-wide settings need process.control (or process.exit for timers), whatever module reaches them."""
import os
import resource
import signal
import socket
import time

import _locale
from redteam import attack, on_message  # noqa: F401


@attack("os.umask", needs="process.control")
def umask():
    return os.umask(0o077)


@attack("os.setsid (the host as a session leader)", needs="process.control")
def setsid():
    return os.setsid()


@attack("os.setpgid", needs="process.control")
def setpgid():
    return os.setpgid(0, 0)


@attack("os.nice", needs="process.control")
def nice():
    return os.nice(1)


@attack("os.sched_setaffinity", needs="process.control")
def affinity():
    return os.sched_setaffinity(0, {0})


@attack("resource.setrlimit", needs="process.control")
def setrlimit():
    return resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))


@attack("resource.prlimit of the host", needs="process.control")
def prlimit():
    return resource.prlimit(0, resource.RLIMIT_CORE, (0, 0))


@attack("locale.setlocale (the C locale of every interpreter)", needs="process.control")
def setlocale():
    return _locale.setlocale(_locale.LC_ALL, "C")


if hasattr(_locale, "textdomain"):
    @attack("locale.textdomain (the process's message catalogue)", needs="process.control")
    def textdomain():
        return _locale.textdomain("pluginhost-redteam")


@attack("time.clock_settime (the machine's clock)", needs="process.control")
def clock_settime():
    return time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))


# CPython refuses syslog in subinterpreters unless the main interpreter opened it; the policy would refuse it then.
@attack("syslog.openlog (the process's syslog identity)", refused_by="RuntimeError")
def syslog_identity():
    import syslog
    return syslog.openlog("pluginhost-redteam")


@attack("syslog.syslog (a line in the machine's log)", refused_by="RuntimeError")
def syslog_line():
    import syslog
    return syslog.syslog("pluginhost-redteam: forged")


@attack("socket.sethostname", needs="process.control")
def sethostname():
    return socket.sethostname(socket.gethostname())


@attack("signal.siginterrupt (the restart behaviour of the host's handlers)", needs="")
def siginterrupt():
    return signal.siginterrupt(signal.SIGTERM, True)


@attack("signal.signal (refused by CPython outside the main interpreter)", refused_by="ValueError")
def handler():
    return signal.signal(signal.SIGTERM, signal.SIG_IGN)


@attack("signal.alarm (SIGALRM's default action ends the host)", needs="process.exit")
def alarm():
    return signal.alarm(0)


@attack("signal.setitimer", needs="process.exit")
def setitimer():
    return signal.setitimer(signal.ITIMER_REAL, 0)


@attack("os._exit", needs="process.exit")
def exit_process():
    return os._exit(3)


@attack("os.fork (refused by CPython in an isolated interpreter)", refused_by="RuntimeError")
def fork():
    return os.fork()


@attack("os.execv (refused by CPython in an isolated interpreter)", refused_by="RuntimeError")
def execv():
    return os.execv("/bin/true", ["true"])


@attack("os.chdir", needs="cwd")
def chdir():
    return os.chdir("/")


@attack("os.putenv", needs="environment")
def putenv():
    return os.putenv("PLUGINHOST_REDTEAM", "1")
