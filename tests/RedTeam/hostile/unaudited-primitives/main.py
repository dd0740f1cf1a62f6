"""Process and file primitives below the audited APIs."""
import os
import sqlite3
import sys

from redteam import attack, on_message  # noqa: F401


@attack("_posixsubprocess.fork_exec, subprocess's own primitive", needs="process.spawn")
def fork_exec():
    import _posixsubprocess
    return _posixsubprocess.fork_exec()   # judged before its arguments are even parsed


@attack("sqlite3 ATTACH of a file by name in SQL", refused_by="OperationalError")
def sqlite_attach():
    return sqlite3.connect(":memory:").execute("ATTACH '/tmp/pluginhost-redteam-attach.db' AS x").fetchall()


@attack("sqlite3 VACUUM INTO a file by name in SQL", refused_by="OperationalError")
def sqlite_vacuum_into():
    return sqlite3.connect(":memory:").execute("VACUUM INTO '/tmp/pluginhost-redteam-vacuum.db'").fetchall()


@attack("sqlite3 raising the attachment limit back", needs="filesystem.write")
def sqlite_setlimit():
    return sqlite3.connect(":memory:").setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 10)


@attack("sqlite3 URI with 'mode=memory' inside another parameter", needs="filesystem.write")
def sqlite_uri_substring():
    return sqlite3.connect("file:/tmp/pluginhost-redteam-uri.db?x=mode=memory", uri=True).execute("create table t(x)")


@attack("sqlite3 URI with a percent-encoded path", needs="filesystem.write")
def sqlite_uri_encoded():
    return sqlite3.connect("file:///tmp/pluginhost%2Dredteam%2Duri2.db", uri=True).execute("create table t(x)")


if hasattr(sqlite3.Connection, "enable_load_extension"):   # CPython built with loadable SQLite extensions
    @attack("sqlite3 load_extension", needs="native-code")
    def sqlite_extension():
        connection = sqlite3.connect(":memory:")
        connection.enable_load_extension(True)
        return connection.load_extension("/tmp/pluginhost-redteam-extension")


@attack("_posixshmem.shm_open creating /dev/shm/pluginhost-redteam", needs="filesystem.write")
def shm_open():
    import _posixshmem
    return _posixshmem.shm_open("/pluginhost-redteam", os.O_CREAT | os.O_RDWR, 0o600)


@attack("_posixshmem.shm_unlink of another process's shared memory", needs="filesystem.write")
def shm_unlink():
    import _posixshmem
    return _posixshmem.shm_unlink("/pluginhost-redteam-other")


if hasattr(sys, "activate_stack_trampoline"):
    @attack("sys.activate_stack_trampoline (process-wide, writes /tmp/perf-<pid>.map)", needs="process.control")
    def trampoline():
        return sys.activate_stack_trampoline("perf")


def stdlib_descriptor():
    return os.open(os.__file__, os.O_RDONLY)


@attack("os.chmod on a read-only descriptor of a standard library file", needs="filesystem.write")
def fchmod():
    return os.chmod(stdlib_descriptor(), 0o777)


@attack("os.utime on a read-only descriptor of a standard library file", needs="filesystem.write")
def futime():
    return os.utime(stdlib_descriptor(), (0, 0))


@attack("os.chown on a read-only descriptor of a standard library file", needs="filesystem.write")
def fchown():
    return os.chown(stdlib_descriptor(), 12345, 12345)


@attack("os.setxattr on a read-only descriptor of a standard library file", needs="filesystem.write")
def fsetxattr():
    return os.setxattr(stdlib_descriptor(), "user.pluginhost-redteam", b"1")


@attack("os.truncate on a read-only descriptor of a standard library file", needs="filesystem.write")
def ftruncate():
    return os.truncate(stdlib_descriptor(), 0)


@attack("os.mkfifo in /tmp", needs="filesystem.write")
def mkfifo():
    return os.mkfifo("/tmp/pluginhost-redteam-fifo")


@attack("os.mknod in /tmp", needs="filesystem.write")
def mknod():
    return os.mknod("/tmp/pluginhost-redteam-node")
