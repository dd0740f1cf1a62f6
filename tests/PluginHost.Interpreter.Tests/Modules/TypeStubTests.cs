using System.Text.Json;

namespace PluginHost.Interpreter.Tests.Modules;

/// <summary>The shipped pluginhost.pyi must describe the module as it really is.</summary>
[Collection(PythonCollection.Name)]
public sealed class TypeStubTests(PythonRuntimeFixture fixture)
{
    private static readonly string StubPath = Repository.Path("src", "Sdk", "python", "pluginhost.pyi");

    [Fact]
    public async Task StubNamesMatchTheModuleAndItsTypes()
    {
        await using var interpreter = await fixture.Runtime.CreateInterpreterAsync();

        var result = await interpreter.EvaluateAsync($$"""
            (lambda ast, pluginhost, tree: (
                sorted({n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
                       | {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and n.target.id != "Payload"}),
                sorted(n for n in dir(pluginhost) if not n.startswith("_")),
                {c.name: sorted(m.name for m in c.body if isinstance(m, ast.FunctionDef)) for c in tree.body if isinstance(c, ast.ClassDef) and c.name in ("Context", "Stream", "Message")},
                {c: sorted(n for n in dir(getattr(pluginhost, c)) if not n.startswith("_")) for c in ("Context", "Stream", "Message")},
            ))(__import__("ast"), __import__("pluginhost"), __import__("ast").parse(open({{JsonSerializer.Serialize(StubPath)}}).read()))
            """);

        var parts = (object?[])result!;
        Assert.Equal(parts[1], parts[0]);
        Assert.Equal(parts[3], parts[2]);
    }
}
