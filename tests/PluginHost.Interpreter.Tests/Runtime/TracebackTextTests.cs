namespace PluginHost.Interpreter.Tests.Runtime;

/// <summary>
/// An error's description is read from the exception objects, never through the interpreter's own (replaceable)
/// modules, and never raises: a broken traceback module or a raising __str__ once recursed until the stack overflowed.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class TracebackTextTests(PythonRuntimeFixture fixture)
{
    [Theory]
    [InlineData("traceback.format_exception = None")]
    [InlineData("traceback.format_exception = lambda *a, **k: 42")]
    [InlineData("traceback.format_exception = lambda *a, **k: 1 / 0")]
    [InlineData("linecache.getline = linecache.getlines = linecache.updatecache = None")]
    [InlineData("sys.modules['traceback'] = None")]
    public async Task AReplacedTracebackModuleChangesNothing(string sabotage)
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync(
            $"import sys, traceback, linecache\n{sabotage}\ndef inner():\n    return 1 / 0\ninner()"));

        Assert.Equal("ZeroDivisionError", error.PythonType);
        Assert.Equal("division by zero", error.PythonMessage);
        Assert.StartsWith("Traceback (most recent call last):", error.PythonTraceback);
        Assert.Contains("line 4, in inner", error.PythonTraceback);
        Assert.EndsWith("ZeroDivisionError: division by zero" + Environment.NewLine, error.PythonTraceback);
        Assert.Equal(3L, await interpreter.EvaluateAsync("1 + 2"));
    }

    [Fact]
    public async Task AnExceptionWhoseStrRaisesItselfIsDescribedByItsType()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync(
            "class Evil(Exception):\n    def __str__(self):\n        raise Evil()\nraise Evil()"));

        Assert.Equal("__main__.Evil", error.PythonType);
        Assert.Equal("<unprintable>", error.PythonMessage);
        Assert.Contains("__main__.Evil: <exception str() failed>", error.PythonTraceback);
    }

    [Fact]
    public async Task ChainedExceptionsComeOldestFirstWithTheirLinks()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("""
            def load():
                try:
                    {}['key']
                except KeyError as e:
                    raise ValueError('no key') from e
            try:
                load()
            except ValueError:
                raise RuntimeError('giving up')
            """));

        var text = error.PythonTraceback;
        var key = text.IndexOf("KeyError: 'key'", StringComparison.Ordinal);
        var cause = text.IndexOf("The above exception was the direct cause of the following exception:", StringComparison.Ordinal);
        var value = text.IndexOf("ValueError: no key", StringComparison.Ordinal);
        var during = text.IndexOf("During handling of the above exception, another exception occurred:", StringComparison.Ordinal);
        var runtime = text.IndexOf("RuntimeError: giving up", StringComparison.Ordinal);
        Assert.True(key >= 0 && key < cause && cause < value && value < during && during < runtime, text);
    }

    [Fact]
    public async Task DeepRecursionIsFoldedAsPythonFoldsIt()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("def f(n): return f(n + 1)\nf(0)"));

        Assert.Equal("RecursionError", error.PythonType);
        Assert.Matches(@"\[Previous line repeated \d+ more times\]", error.PythonTraceback);
        Assert.True(error.PythonTraceback.Length < 2000, error.PythonTraceback);
    }

    [Fact]
    public async Task SourceLinesOfPythonFilesAndNotesAreShown()
    {
        var folder = Directory.CreateTempSubdirectory("tbtext");
        try
        {
            var module = Path.Combine(folder.FullName, "broken_module.py");
            File.WriteAllText(module, "def explode():\n    raise LookupError('gone')\n");
            await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

            var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync($"""
                import importlib.util
                spec = importlib.util.spec_from_file_location('broken_module', {System.Text.Json.JsonSerializer.Serialize(module)})
                m = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(m)
                try:
                    m.explode()
                except LookupError as e:
                    e.add_note('while testing notes')
                    raise
                """));

            Assert.Contains($"File \"{module}\", line 2, in explode{Environment.NewLine}    raise LookupError('gone'){Environment.NewLine}", error.PythonTraceback);
            Assert.EndsWith($"LookupError: gone{Environment.NewLine}while testing notes{Environment.NewLine}", error.PythonTraceback);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("os.mkfifo(path)")]                  // opening it would wait for a writer
    [InlineData("os.symlink('/dev/zero', path)")]    // reading it would never end
    public async Task ACodeFileNameThatIsNoRegularFileIsNotRead(string make)
    {
        var folder = Directory.CreateTempSubdirectory("tbtext");
        try
        {
            var path = Path.Combine(folder.FullName, "trap.py");
            await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

            var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync($"""
                import os
                path = {System.Text.Json.JsonSerializer.Serialize(path)}
                {make}
                exec(compile("raise LookupError('trapped')", path, "exec"))
                """).WaitAsync(TimeSpan.FromSeconds(30)));

            Assert.Contains($"File \"{path}\", line 1, in <module>{Environment.NewLine}LookupError: trapped", error.PythonTraceback);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ASyntaxErrorShowsItsLineAndCaret()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("compile('x = (1,\\n', 'plugin.py', 'exec')"));

        Assert.Equal("SyntaxError", error.PythonType);
        Assert.Contains("File \"plugin.py\", line 1", error.PythonTraceback);
        Assert.Contains("x = (1,", error.PythonTraceback);
        Assert.Contains("SyntaxError: '(' was never closed", error.PythonTraceback);
    }
}
