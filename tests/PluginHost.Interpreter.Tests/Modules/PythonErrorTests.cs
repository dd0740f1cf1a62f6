using PluginHost.Interpreter.Modules;

namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>
/// The module raises a Python class only when it says which (<see cref="PythonError"/>); a .NET exception it did not
/// expect is an internal error (SystemError naming the .NET type), never a plausible user error such as ValueError.
/// </summary>
[Collection(PythonCollection.Name)]
public sealed class PythonErrorTests(PythonRuntimeFixture fixture)
{
    [Fact]
    public async Task AnInternalArgumentExceptionIsASystemErrorNamingItNotAValueError()
    {
        // A host bug: a setting .NET cannot copy into Python. PyConvert throws ArgumentException while the module
        // builds the context; that used to reach the plugin as a ValueError, as if its own argument were wrong.
        var settings = new Dictionary<string, object?> { ["endpoint"] = new Uri("http://example.invalid") };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: new RecordingBinding("p", 0, settings));

        var error = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.context()"));

        Assert.Equal("SystemError", error.PythonType);
        Assert.StartsWith("internal error in PluginHost (System.ArgumentException): A .NET Uri cannot be passed to Python", error.PythonMessage);
    }

    [Fact]
    public async Task AnInternalInvalidCastExceptionIsASystemErrorNotATypeError()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var (type, message) = await interpreter.InvokeAsync(_ => Raised(new InvalidCastException("a bug")));

        Assert.Equal("SystemError", type);
        Assert.Equal("internal error in PluginHost (System.InvalidCastException): a bug", message);
    }

    [Theory]
    [InlineData("TypeError")]
    [InlineData("ValueError")]
    [InlineData("KeyError")]
    [InlineData("PermissionError")]
    [InlineData("TimeoutError")]
    [InlineData("RuntimeError")]
    public async Task APythonErrorIsRaisedAsItsKindWithItsMessage(string pythonType)
    {
        var kind = Enum.Parse<PyErrorKind>(pythonType);
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var (type, message) = await interpreter.InvokeAsync(_ => Raised(new PythonError(kind, "as meant")));

        Assert.Equal(pythonType, type);
        Assert.Equal(kind == PyErrorKind.KeyError ? "'as meant'" : "as meant", message);
    }

    [Theory]
    [InlineData(typeof(ArgumentException), "ValueError")]
    [InlineData(typeof(UnauthorizedAccessException), "PermissionError")]
    [InlineData(typeof(KeyNotFoundException), "KeyError")]
    [InlineData(typeof(TimeoutException), "TimeoutError")]
    [InlineData(typeof(InvalidOperationException), "RuntimeError")]
    [InlineData(typeof(InvalidCastException), "RuntimeError")]
    public void TheHostsDocumentedExceptionsKeepTheirPythonMeaning(Type thrown, string expected)
    {
        var error = PythonError.FromHost((Exception)Activator.CreateInstance(thrown, "from the host")!);

        Assert.Equal(expected, error.Kind.ToString());
        Assert.Equal("from the host", error.Message);
    }

    [Fact]
    public async Task TheHostsRefusalOfHeadersIsStillAValueError()
    {
        var binding = new RecordingBinding("sender", 0) { MaxHeaderBytes = 1 };
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync(binding: binding);

        var refused = await Assert.ThrowsAsync<PythonException>(() => interpreter.RunAsync("import pluginhost; pluginhost.publish('t', b'x', {'ab': 'c'})"));

        Assert.Equal("ValueError", refused.PythonType);
        Assert.Empty(binding.Published);
    }

    /// <summary>What the firewall raises for <paramref name="e"/>, fetched back out of the real interpreter.</summary>
    private static (string Type, string Message) Raised(Exception e)
    {
        Firewall.Raise(e);
        var raised = PythonException.FetchCurrent();
        return (raised.PythonType, raised.PythonMessage);
    }
}
