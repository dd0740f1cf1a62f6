using System.Reflection;
using System.Runtime.InteropServices;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Tests.Native;

/// <summary>
/// The conventions of <c>Native/</c> (docs/interpreter.md, "Bindings: ownership in the signature") that reflection can
/// check: raw imports are private to the binding classes, each C function is declared once, libc in one class.
/// </summary>
public sealed class BindingConventionTests
{
    private static readonly Type[] BindingClasses = [typeof(Interop), typeof(LibC)];

    private static List<(MethodInfo Method, LibraryImportAttribute Import)> Imports() =>
        typeof(PythonRuntime).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Import: m.GetCustomAttribute<LibraryImportAttribute>()))
            .Where(x => x.Import is not null)
            .Select(x => (x.Method, x.Import!))
            .ToList();

    [Fact]
    public void EveryRawImportIsPrivateToABindingClass()
    {
        var imports = Imports();
        Assert.True(imports.Count >= 100, $"only {imports.Count} imports found: is the reflection looking in the right place?");

        var outside = imports
            .Where(x => !x.Method.IsPrivate || !BindingClasses.Contains(x.Method.DeclaringType))
            .Select(x => $"{x.Method.DeclaringType!.Name}.{x.Method.Name}")
            .ToList();

        Assert.Empty(outside);
    }

    [Fact]
    public void EachFunctionIsImportedOnceAndLibcOnlyByLibC()
    {
        var imports = Imports();
        var entryPoints = imports.Select(x => (x.Import.LibraryName, EntryPoint: x.Import.EntryPoint ?? x.Method.Name)).ToList();

        // The one deliberate pair: PyBytes_FromStringAndSize with and without the GC transition (Interop.Strings.cs).
        var repeated = entryPoints.GroupBy(e => e).Where(g => g.Count() > 1).Select(g => g.Key.EntryPoint).ToList();
        Assert.Equal(["PyBytes_FromStringAndSize"], repeated);
        Assert.All(imports.Where(x => x.Import.LibraryName == "libc.so.6"), x => Assert.Equal(typeof(LibC), x.Method.DeclaringType));
        Assert.All(imports.Where(x => x.Method.DeclaringType == typeof(Interop)), x => Assert.Equal(Interop.Library, x.Import.LibraryName));
    }
}
