using System.Runtime.InteropServices;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Interpreter id → policy, owned by the <see cref="PythonRuntime"/> and reached by the process-wide audit hook through
/// a <see cref="GCHandle"/> passed as the hook's user data (no static holds it). Readers never lock: the map is an
/// immutable dictionary replaced as a whole when an interpreter is created or ended, which is rare. Ids are never
/// reused by CPython, so an entry removed after <c>Py_EndInterpreter</c> can never be mistaken for a newer interpreter's.
/// </summary>
internal sealed class PolicyRegistry
{
    // Always readable: the null and random devices and the time zone database (zoneinfo, time).
    private static readonly string[] SystemReadable = ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/full", "/usr/share/zoneinfo", "/etc/localtime"];
    private static readonly string[] SystemWritable = ["/dev/null"];

    private readonly Lock _write = new();
    private volatile Dictionary<long, CompiledPolicy> _byId = [];
    // Never freed: CPython keeps the hook, and its user data, until the process ends.
    private readonly GCHandle _handle;

    public PolicyRegistry() => _handle = GCHandle.Alloc(this);

    /// <summary>The hook's user data: a handle to this registry, valid for the process.</summary>
    internal nint Handle => GCHandle.ToIntPtr(_handle);

    internal bool IsEmpty => _byId.Count == 0;

    /// <summary>The standard library's directories, resolved: always readable, and the only trusted bytecode caches.</summary>
    internal byte[][] Stdlib { get; private set; } = [];

    /// <summary>The standard library's extension modules' directories (lib-dynload): native code loaded without a grant.</summary>
    internal byte[][] TrustedNative { get; private set; } = [];

    /// <summary>The standard library's own bytecode, which <c>marshal.loads</c> may turn into code without a grant.</summary>
    internal TrustedBytecode Bytecode { get; } = new();

    /// <summary>The C functions CPython does not audit, guarded for every interpreter (installed once after initialisation).</summary>
    internal NativeGuards Guards { get; private set; } = NativeGuards.None;

    /// <summary>Directories of the standard library (always readable) and of its extension modules (lib-dynload).</summary>
    internal void SetInstallation(IEnumerable<string> stdlib, IEnumerable<string> native)
    {
        Stdlib = [.. stdlib.Select(PathRules.Normalize)];
        TrustedNative = [.. native.Select(PathRules.Normalize)];
    }

    /// <summary>Installs the native guards; needs the main interpreter attached, before the first governed interpreter.</summary>
    internal void InstallGuards() => Guards = NativeGuards.Install(this);

    internal CompiledPolicy? Find(long interpreterId) => _byId.GetValueOrDefault(interpreterId);

    internal void Register(long interpreterId, InterpreterPolicy policy)
    {
        var compiled = Compile(policy);
        lock (_write)
            _byId = new Dictionary<long, CompiledPolicy>(_byId) { [interpreterId] = compiled };
    }

    internal void Unregister(long interpreterId)
    {
        lock (_write)
        {
            if (!_byId.ContainsKey(interpreterId))
                return;
            var copy = new Dictionary<long, CompiledPolicy>(_byId);
            copy.Remove(interpreterId);
            _byId = copy;
        }
    }

    private CompiledPolicy Compile(InterpreterPolicy policy)
    {
        var grantedWritable = policy.WritePaths.Select(PathRules.Normalize).ToArray();
        var grantedReadable = policy.ReadPaths.Select(PathRules.Normalize).Concat(grantedWritable).ToArray();
        var readable = new List<byte[]>(Stdlib);
        if (policy.Home is { } home)
            readable.Add(PathRules.Normalize(home));
        readable.AddRange(SystemReadable.Select(PathRules.Normalize));
        readable.AddRange(grantedReadable);
        var writable = grantedWritable.Concat(SystemWritable.Select(PathRules.Normalize)).ToArray();
        return new CompiledPolicy(this, policy, [.. readable], writable, grantedReadable, grantedWritable);
    }
}
