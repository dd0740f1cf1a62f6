"""Process and file primitives below the audited APIs."""
import importlib.util
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


@attack("OpenSSL reading a CA file by name (ssl.create_default_context(cafile=...))", needs="filesystem.read")
def ssl_cafile():
    import ssl
    return len(ssl.create_default_context(cafile="/etc/ssl/certs/ca-certificates.crt").get_ca_certs())


@attack("OpenSSL reading a key by name (SSLContext.load_cert_chain)", needs="filesystem.read")
def ssl_cert_chain():
    import ssl
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain("/etc/ssl/private/pluginhost-redteam.pem")


@attack("OpenSSL decoding any file as a certificate (ssl._ssl._test_decode_cert)", needs="filesystem.read")
def ssl_decode():
    import ssl
    return ssl._ssl._test_decode_cert("/etc/passwd")


@attack("OpenSSL reading DH parameters by name", needs="filesystem.read")
def ssl_dh_params():
    import ssl
    return ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_dh_params("/etc/passwd")


@attack("pwd.getpwall: the machine's whole user database", needs="filesystem.read")
def users():
    import pwd
    return len(pwd.getpwall())


@attack("grp.getgrall: the machine's whole group database", needs="filesystem.read")
def groups():
    import grp
    return len(grp.getgrall())


if importlib.util.find_spec("spwd") is not None:   # CPython 3.12
    @attack("spwd.getspall: the machine's password hashes", needs="filesystem.read")
    def shadow():
        import spwd
        return spwd.getspall()


@attack("sys.setdlopenflags(RTLD_GLOBAL)", needs="native-code")
def dlopen_flags():
    return sys.setdlopenflags(os.RTLD_NOW | os.RTLD_GLOBAL)


@attack("os.waitpid(-1): reaping any child of the host", needs="")
def wait_any():
    return os.waitpid(-1, os.WNOHANG)


@attack("os.wait()", needs="")
def wait():
    return os.wait()


@attack("os.waitid(P_ALL)", needs="")
def waitid_all():
    return os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG)


@attack("os.waitpid of a process this plugin did not start", needs="")
def wait_other():
    return os.waitpid(1, os.WNOHANG)

