using PluginHost.Interpreter.Policy;

namespace PluginHost.Interpreter.Tests.Policy;

[Collection(PythonCollection.Name)]
public sealed class FileSystemPolicyTests(PythonRuntimeFixture fixture) : IDisposable
{
    private readonly string _outside = Directory.CreateTempSubdirectory("pluginhost-outside-").FullName;

    public void Dispose() => Directory.Delete(_outside, recursive: true);

    private string Outside(string name, string? text = null)
    {
        var path = Path.Combine(_outside, name);
        if (text is not null)
            File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task ReadingOutsideTheHomeFolderIsDeniedByDefault()
    {
        var secret = Outside("secret.txt", "s3cret");
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        var error = await governed.TryAsync($"open({Py(secret)}).read()");

        Assert.Equal($"PermissionError: open('{secret}') denied: reading outside the plugin's own folder and the standard library needs a grant. Plugin 'test' needs the capability 'filesystem.read:{_outside}' (add \"filesystem.read:{_outside}\" to capabilities).", error);
    }

    [Fact]
    public async Task TheHomeFolderAndTheStandardLibraryAreReadable()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);
        File.WriteAllText(Path.Combine(governed.Home, "data.txt"), "mine");

        Assert.Equal("ok", await governed.TryAsync($"assert open({Py(Path.Combine(governed.Home, "data.txt"))}).read() == 'mine'"));
        Assert.Equal("ok", await governed.TryAsync("import json, decimal, email.mime.text, asyncio, sqlite3; import os; open(os.__file__).read()"));
        Assert.Equal("ok", await governed.TryAsync($"import os; os.listdir({Py(governed.Home)})"));
    }

    [Fact]
    public async Task WritingIsDeniedEvenInTheHomeFolder()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);
        var target = Path.Combine(governed.Home, "out.txt");

        var error = await governed.TryAsync($"open({Py(target)}, 'w')");

        Assert.StartsWith($"PermissionError: open('{target}') denied: creating, changing or deleting files needs a grant.", error);
        Assert.Contains($"'filesystem.write:{governed.Home}'", error);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task AWriteGrantCoversItsDirectoryTreeOnly()
    {
        var data = Directory.CreateDirectory(Outside("data")).FullName;
        await using var governed = await Governed.StartAsync(fixture.Runtime, write: [data]);

        Assert.Equal("ok", await governed.TryAsync($"""
            import os
            os.makedirs({Py(Path.Combine(data, "a", "b"))}, exist_ok=True)
            with open({Py(Path.Combine(data, "a", "b", "f.txt"))}, 'w') as f: f.write('x')
            os.rename({Py(Path.Combine(data, "a", "b", "f.txt"))}, {Py(Path.Combine(data, "g.txt"))})
            assert open({Py(Path.Combine(data, "g.txt"))}).read() == 'x'
            os.remove({Py(Path.Combine(data, "g.txt"))})
            """));
        Assert.StartsWith("PermissionError", await governed.TryAsync($"open({Py(Outside("elsewhere.txt"))}, 'w')"));
        Assert.False(File.Exists(Outside("elsewhere.txt")));
    }

    [Fact]
    public async Task MovingAFileOutOfAGrantedTreeIsDenied()
    {
        var data = Directory.CreateDirectory(Outside("data")).FullName;
        File.WriteAllText(Path.Combine(data, "f.txt"), "x");
        await using var governed = await Governed.StartAsync(fixture.Runtime, write: [data]);

        var error = await governed.TryAsync($"import os; os.rename({Py(Path.Combine(data, "f.txt"))}, {Py(Outside("f.txt"))})");

        Assert.StartsWith("PermissionError: os.rename(", error);
        Assert.True(File.Exists(Path.Combine(data, "f.txt")));
    }

    [Fact]
    public async Task ASymlinkInAGrantedTreeIsRemovedAndRenamedAsItselfNotAsItsTarget()
    {
        // Found by the fidelity suite (tarfile, pathlib, shutil.rmtree): unlink and rename act on the link itself.
        var secret = Outside("secret.txt", "s3cret");
        var data = Directory.CreateDirectory(Outside("data")).FullName;
        var sub = Directory.CreateDirectory(Path.Combine(data, "tree")).FullName;
        await using var governed = await Governed.StartAsync(fixture.Runtime, write: [data]);

        Assert.Equal("ok", await governed.TryAsync($"""
            import os, shutil
            os.symlink({Py(secret)}, {Py(Path.Combine(data, "a"))})
            os.rename({Py(Path.Combine(data, "a"))}, {Py(Path.Combine(data, "b"))})
            os.remove({Py(Path.Combine(data, "b"))})
            os.symlink({Py(secret)}, {Py(Path.Combine(sub, "c"))})
            os.symlink('/nowhere/at/all', {Py(Path.Combine(sub, "dangling"))})
            fd = os.open({Py(data)}, os.O_RDONLY)
            os.symlink({Py(secret)}, 'd', dir_fd=fd)
            os.unlink('d', dir_fd=fd)
            os.close(fd)
            shutil.rmtree({Py(sub)})
            """));
        // The target is not the plugin's: through the link it stays unwritable, and a path ending in '/' follows.
        Assert.StartsWith($"PermissionError: open('{secret}') denied", await governed.TryAsync($"import os; os.symlink({Py(secret)}, {Py(Path.Combine(data, "e"))}); open({Py(Path.Combine(data, "e"))}, 'w')"));
        Assert.StartsWith("PermissionError: os.rmdir(", await governed.TryAsync($"import os; os.symlink({Py(_outside)}, {Py(Path.Combine(data, "f"))}); os.rmdir({Py(Path.Combine(data, "f") + "/")})"));
        Assert.Equal("s3cret", File.ReadAllText(secret));
        Assert.False(Directory.Exists(sub));
        Assert.Null(new FileInfo(Path.Combine(data, "b")).LinkTarget);   // removed: neither a file nor a link
    }

    [Fact]
    public async Task AReadGrantAllowsReadingButNotWriting()
    {
        var file = Outside("notes.txt", "hello");
        await using var governed = await Governed.StartAsync(fixture.Runtime, read: [_outside]);

        Assert.Equal("ok", await governed.TryAsync($"assert open({Py(file)}).read() == 'hello'"));
        Assert.StartsWith("PermissionError", await governed.TryAsync($"open({Py(file)}, 'a')"));
        Assert.StartsWith("PermissionError", await governed.TryAsync($"import os; os.remove({Py(file)})"));
        Assert.True(File.Exists(file));
    }

    [Fact]
    public async Task ASymlinkInsideTheHomeFolderDoesNotLeadOutOfIt()
    {
        var secret = Outside("secret.txt", "s3cret");
        await using var governed = await Governed.StartAsync(fixture.Runtime);
        File.CreateSymbolicLink(Path.Combine(governed.Home, "link.txt"), secret);

        var error = await governed.TryAsync($"open({Py(Path.Combine(governed.Home, "link.txt"))}).read()");

        Assert.StartsWith($"PermissionError: open('{secret}') denied", error);
    }

    [Fact]
    public async Task RelativePathsAndDirectoryDescriptorsAreResolvedFirst()
    {
        var secret = Outside("secret.txt", "s3cret");
        await using var governed = await Governed.StartAsync(fixture.Runtime, read: [_outside]);
        var home = governed.Home;

        // A descriptor of a readable directory does not make a relative remove inside it writable.
        var error = await governed.TryAsync($"import os; fd = os.open({Py(_outside)}, os.O_RDONLY); os.remove('secret.txt', dir_fd=fd)");
        var dotdot = await governed.TryAsync($"open({Py(home + "/../" + Path.GetFileName(_outside) + "/secret.txt")}, 'w')");

        Assert.StartsWith($"PermissionError: os.remove('{secret}') denied", error);
        Assert.StartsWith($"PermissionError: open('{secret}') denied", dotdot);
        Assert.True(File.Exists(secret));
    }

    [Fact]
    public async Task FifosAndDeviceNodesAreWritesToo()
    {
        var data = Directory.CreateDirectory(Outside("data")).FullName;
        await using var governed = await Governed.StartAsync(fixture.Runtime, write: [data]);

        var outside = await governed.TryAsync($"import os; os.mkfifo({Py(Outside("fifo"))})");
        var inside = await governed.TryAsync($"import os; os.mkfifo({Py(Path.Combine(data, "fifo"))}); os.mknod({Py(Path.Combine(data, "node"))})");

        Assert.StartsWith($"PermissionError: os.mkfifo('{Outside("fifo")}') denied", outside);
        Assert.False(File.Exists(Outside("fifo")));
        Assert.Equal("ok", inside);
    }

    [Fact]
    public async Task MakingADirectoryThatExistsIsNotADenial()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        Assert.Equal("ok", await governed.TryAsync($"import os; os.makedirs({Py(governed.Home)}, exist_ok=True)"));
        Assert.Empty(governed.Listener.Denials);
    }

    [Fact]
    public async Task EverywhereGrantsNeedNoPath()
    {
        var file = Outside("any.txt");
        await using var governed = await Governed.StartAsync(fixture.Runtime, Capability.FileSystemWrite);

        Assert.Equal("ok", await governed.TryAsync($"open({Py(file)}, 'w').write('x'); assert open({Py(file)}).read() == 'x'"));
    }

    [Fact]
    public async Task TheNullDeviceIsAlwaysThere()
    {
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        Assert.Equal("ok", await governed.TryAsync("open('/dev/null', 'w').write('x'); open('/dev/urandom', 'rb').read(4)"));
    }

    [Fact]
    public async Task SqliteDatabasesAreFilesButMemoryIsNot()
    {
        var database = Outside("db.sqlite");
        await using var governed = await Governed.StartAsync(fixture.Runtime);

        Assert.Equal("ok", await governed.TryAsync("import sqlite3; sqlite3.connect(':memory:').execute('select 1')"));
        Assert.StartsWith("PermissionError: sqlite3.connect(", await governed.TryAsync($"import sqlite3; sqlite3.connect({Py(database)})"));
        Assert.StartsWith("PermissionError: sqlite3.connect(", await governed.TryAsync($"import sqlite3; sqlite3.connect('file:{database}?mode=rwc', uri=True)"));
        Assert.False(File.Exists(database));
    }

    private static string Py(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
