using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

/// <summary>
/// The other side of the red team (tests/RedTeam): what the stricter rules must still let through — ordinary code,
/// and what a granted capability allows. A rule that fails closed must not fail ordinary code.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class OrdinaryCodeUnderPolicyTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task APathOfAlmostPathMaxInsideTheOwnFolderIsRead()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);
        File.WriteAllText(Path.Combine(governed.Home, "data.txt"), "mine");

        var result = await governed.TryAsync($"p = {Py(governed.Home)} + '/' + './' * ((4080 - len({Py(governed.Home)})) // 2) + 'data.txt'; assert 4064 < len(p) < 4096, len(p); assert open(p).read() == 'mine'");

        Assert.Equal("ok", result);
    }

    [Fact]
    public async Task AMissingFileIsStillFileNotFoundError()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var missing = await governed.TryAsync($"open({Py(Path.Combine(governed.Home, "no", "such", "file.txt"))})");
        var listing = await governed.TryAsync($"import os; os.listdir({Py(Path.Combine(governed.Home, "nothing-here"))})");

        Assert.StartsWith("FileNotFoundError:", missing);
        Assert.StartsWith("FileNotFoundError:", listing);
    }

    [Fact]
    public async Task DirFdOpensAreJudgedRelativeToTheirDirectory()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);
        File.WriteAllText(Path.Combine(governed.Home, "data.txt"), "mine");

        var inside = await governed.TryAsync($"import os; d = os.open({Py(governed.Home)}, os.O_RDONLY); assert os.read(os.open('data.txt', os.O_RDONLY, dir_fd=d), 4) == b'mine'");
        var walk = await governed.TryAsync($"import os; assert any('data.txt' in files for _, _, files, _ in os.fwalk({Py(governed.Home)}))");

        Assert.Equal("ok", inside);
        Assert.Equal("ok", walk);
    }

    [Fact]
    public async Task DescriptorsThePluginOpenedAreItsOwn()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, write: [Path.Combine(Path.GetTempPath(), "never")]);

        var pipe = await governed.TryAsync("import os; r, w = os.pipe(); os.write(w, b'x'); assert os.read(r, 1) == b'x'; os.set_blocking(r, False); os.close(r); os.close(w)");
        var socketpair = await governed.TryAsync("import socket; a, b = socket.socketpair(); a.sendall(b'x'); assert b.recv(1) == b'x'");

        Assert.Equal("ok", pipe);
        Assert.Equal("ok", socketpair);
    }

    [Fact]
    public async Task DescriptorsOfTheFilesSocketsAndPipesItMadeAreItsOwn()
    {
        var folder = Directory.CreateTempSubdirectory("pluginhost-own-").FullName;
        try
        {
            await using var governed = await Governed.StartAsync(fixture.Runtime, write: [folder]);

            var file = await governed.TryAsync($"import os\nwith open({Py(Path.Combine(folder, "f"))}, 'wb') as f:\n    os.write(f.fileno(), b'x'); os.fsync(f.fileno()); os.lseek(f.fileno(), 0, 0)");
            var fdopen = await governed.TryAsync($"import os\nfd = os.open({Py(Path.Combine(folder, "g"))}, os.O_CREAT | os.O_RDWR)\nwith os.fdopen(fd, 'wb') as f:\n    f.write(b'y')");
            var duplicate = await governed.TryAsync("import os, fcntl; r, w = os.pipe(); d = os.dup(w); e = fcntl.fcntl(d, fcntl.F_DUPFD, 100); os.write(e, b'z'); assert os.read(r, 1) == b'z'; os.dup2(r, d); [os.close(x) for x in (r, w, d, e)]");
            var sockets = await governed.TryAsync("import socket, os; a, b = socket.socketpair(); os.write(a.fileno(), b'q'); assert b.recv(1) == b'q'; c = socket.socket(socket.AF_UNIX, fileno=os.dup(a.fileno())); c.sendall(b'r'); assert b.recv(1) == b'r'");
            var selector = await governed.TryAsync("import selectors, socket; s = selectors.DefaultSelector(); a, b = socket.socketpair(); s.register(a, selectors.EVENT_READ); b.send(b'x'); assert s.select(1); s.close()");
            var mmapped = await governed.TryAsync($"import mmap\nwith open({Py(Path.Combine(folder, "m"))}, 'wb+') as f:\n    f.write(b'0' * 4096); f.flush(); m = mmap.mmap(f.fileno(), 4096); m[0:1] = b'1'; m.close()");
            var closed = await governed.TryAsync("import os; r, w = os.pipe(); os.close(w); os.write(w, b'x')");

            Assert.Equal(("ok", "ok", "ok"), (file, fdopen, duplicate));
            Assert.Equal(("ok", "ok", "ok"), (sockets, selector, mmapped));
            Assert.StartsWith("OSError: [Errno 9] Bad file descriptor", closed);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task MetadataOfAFileInAGrantedFolderCanBeChangedThroughItsDescriptor()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);
        var writable = Directory.CreateTempSubdirectory("pluginhost-writable-").FullName;
        try
        {
            await using var granted = await Governed.StartAsync(fixture.Runtime, write: [writable]);

            var result = await granted.TryAsync($"import os; fd = os.open({Py(Path.Combine(writable, "f"))}, os.O_CREAT | os.O_RDWR); os.chmod(fd, 0o600); os.utime(fd); os.truncate(fd, 0)");

            Assert.Equal("ok", result);
        }
        finally
        {
            Directory.Delete(writable, recursive: true);
        }
    }

    [Fact]
    public async Task ProcessSpawnRunsProgramsAndWaitsForItsOwnChildrenOnly()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.ProcessSpawn);

        var subprocess = await governed.TryAsync("import subprocess; assert subprocess.run(['/bin/sh', '-c', 'exit 3']).returncode == 3");
        var spawn = await governed.TryAsync("import os; pid = os.posix_spawn('/bin/true', ['true'], {}); assert os.waitpid(pid, 0)[0] == pid");
        var reaped = await governed.TryAsync("import os; pid = os.posix_spawn('/bin/true', ['true'], {}); os.waitpid(pid, 0); os.waitpid(pid, 0)");
        var any = await governed.TryAsync("import os; os.waitpid(-1, os.WNOHANG)");

        Assert.Equal("ok", subprocess);
        Assert.Equal("ok", spawn);
        Assert.StartsWith("PermissionError: os.waitpid(", reaped);
        Assert.StartsWith("PermissionError: os.waitpid(-1) denied: a plugin waits only for the processes it started itself", any);
    }

    [Fact]
    public async Task NetworkAllowsIpSocketsButNeverRawOrPacketOnes()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.Network);

        var listen = await governed.TryAsync("import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); s.close()");
        var packet = await governed.TryAsync("import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)");
        var raw = await governed.TryAsync("import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)");

        Assert.Equal("ok", listen);
        Assert.StartsWith("PermissionError: socket(AF_PACKET, SOCK_RAW) denied", packet);
        Assert.StartsWith("PermissionError: socket(AF_INET, SOCK_RAW, 1) denied: raw and packet sockets", raw);
    }

    [Fact]
    public async Task TheStandardLibrarysBytecodeCachesAreStillLoaded()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        // The plugin's own (Python-level) hook sees marshal.loads only if the policy let it through.
        var result = await governed.TryAsync("""
            import sys
            seen = []
            sys.addaudithook(lambda event, args: seen.append(event) if event == "marshal.loads" else None)
            import colorsys, graphlib, netrc
            assert seen.count("marshal.loads") >= 3, seen
            """);

        Assert.Equal("ok", result);
    }

    [Fact]
    public async Task ImportsAndOpensOnSeveralThreadsAtOnceAreJudgedEachOnItsOwn()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        // Each thread's import opens a cache and unmarshals it, each os.open(dir_fd=) notes its directory: notes of one
        // thread must not be taken, or cleared, by another's calls in between.
        var result = await governed.TryAsync($$"""
            import importlib, os, sys, threading
            errors = []
            def work(module):
                try:
                    for _ in range(200):
                        sys.modules.pop(module, None)
                        importlib.import_module(module)
                        d = os.open({{Py(governed.Home)}}, os.O_RDONLY)
                        os.close(os.open(".", os.O_RDONLY, dir_fd=d))
                        os.close(d)
                except BaseException as e:
                    errors.append(repr(e))
            threads = [threading.Thread(target=work, args=(m,)) for m in ("colorsys", "graphlib", "netrc", "shlex")]
            [t.start() for t in threads]
            [t.join() for t in threads]
            assert not errors, errors[:3]
            """);

        Assert.Equal("ok", result);
    }

    [Fact]
    public async Task HarmlessCodeReplacementsAreAllowed()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var renamed = await governed.TryAsync("def f(): return 1\nf.__code__ = f.__code__.replace(co_name='g', co_qualname='g', co_filename='x.py', co_firstlineno=7)\nassert f() == 1");
        var coroutine = await governed.TryAsync("import types\n@types.coroutine\ndef g():\n    yield\nassert g.__code__.co_flags & 0x100");

        Assert.Equal("ok", renamed);
        Assert.Equal("ok", coroutine);
    }

    [Fact]
    public async Task SqliteWorksWithFilesItMayWriteAndAttachesOnlyWithUnrestrictedWrites()
    {
        var folder = Directory.CreateTempSubdirectory("pluginhost-sqlite-").FullName;
        try
        {
            await using var scoped = await Governed.StartAsync(fixture.Runtime, write: [folder]);
            await using var unrestricted = await Governed.StartAsync(fixture.Runtime, Capability.FileSystemWrite);
            var database = Path.Combine(folder, "a.db");

            var file = await scoped.TryAsync($"import sqlite3; c = sqlite3.connect({Py(database)}); c.execute('create table t(x)'); c.commit()");
            var uri = await scoped.TryAsync($"import sqlite3; sqlite3.connect('file:' + {Py(database)} + '?mode=ro', uri=True).execute('select * from t').fetchall()");
            var memory = await scoped.TryAsync("import sqlite3; sqlite3.connect('file:scratch?mode=memory', uri=True).execute('select 1')");
            var shared = await scoped.TryAsync("import sqlite3; sqlite3.connect('file::memory:?cache=shared', uri=True)");
            var attach = await scoped.TryAsync($"import sqlite3; sqlite3.connect(':memory:').execute(\"ATTACH '{database}' AS a\")");
            var attached = await unrestricted.TryAsync($"import sqlite3; sqlite3.connect(':memory:').execute(\"ATTACH '{database}' AS a\").fetchall()");

            Assert.Equal(("ok", "ok", "ok"), (file, uri, memory));
            Assert.StartsWith("PermissionError: sqlite3.connect('file::memory:?cache=shared') denied: a shared-cache or memdb database is one for the whole process", shared);
            Assert.Equal("OperationalError: too many attached databases - max 0", attach);
            Assert.Equal("ok", attached);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task OpenSslReadsFilesTheReadGrantCovers()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime, read: ["/etc/ssl"]);

        var result = await governed.TryAsync("import ssl; assert ssl.create_default_context(cafile='/etc/ssl/certs/ca-certificates.crt').get_ca_certs()");

        Assert.Equal("ok", result);
    }

    [Fact]
    public void EveryGuardOfThisCPythonIsInPlace()
    {
        var guards = fixture.Runtime.Policies.Guards;

        // Only modules this build lacks, or functions of the other version, may be missing.
        Assert.All(guards.Missing, m => Assert.Matches(@"^(spwd|_dbm|_gdbm|termios|_multiprocessing|_posixshmem|_ssl|time\.clock_settime|posix\.(login_tty|tcsetpgrp|posix_openpt|timerfd_create)|_signal\.(sigwait|sigwaitinfo|sigtimedwait|pidfd_send_signal)|types\.CodeType\.__replace__|_locale\.\w+|grp|pwd)\b", m));
        Assert.Contains(guards.Installed, g => g.Target.Event == "os.write");
        Assert.Contains(guards.Installed, g => g.Target.Event == "_posixsubprocess.fork_exec");
        Assert.Contains(guards.Installed, g => g.Target.Event == "code.replace");
        Assert.True(guards.GuardsSocketCreation, "the guard on _socket.socket.__init__ (a type slot) was not installed");
    }

    private static string Py(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
