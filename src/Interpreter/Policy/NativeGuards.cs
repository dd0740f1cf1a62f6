using System.Runtime.InteropServices;
using System.Text;
using PluginHost.Interpreter.Modules;
using PluginHost.Interpreter.Native;

namespace PluginHost.Interpreter.Policy;

/// <summary>
/// Guards for C functions CPython raises no audit event for (<see cref="Targets"/>): each one's entry point in its
/// static <c>PyMethodDef</c> — shared by every interpreter's module objects, and read by CPython at every call — is
/// replaced, once per process, by a <see cref="Guard"/> that asks the calling interpreter's policy first (through
/// the audit hook's own rules) and then calls the original. Unlike a replacement made in Python, there is nothing for
/// a plugin to undo: a fresh copy of the module (<c>_imp.create_builtin</c>, <c>_imp.create_dynamic</c>), a function
/// dug out of a closure or found with <c>gc</c>, all call the same guarded entry point. Interpreters without a policy
/// (the main one) pay one lookup and call the original.
/// </summary>
internal sealed unsafe partial class NativeGuards
{
    private const int PROT_READ = 1, PROT_WRITE = 2, PageSize = 4096;
    private const int OffsetOfFunctionDefinition = 16;    // PyCFunctionObject.m_ml
    private const int OffsetOfDescriptorDefinition = 40;  // PyMethodDescrObject.d_method

    private readonly TypeSlotGuard? _sockets;   // rooted here, as the guards are

    private NativeGuards(IReadOnlyList<Guard> guards, IReadOnlyList<string> missing, TypeSlotGuard? sockets)
    {
        Installed = guards;
        Missing = missing;
        _sockets = sockets;
    }

    /// <summary>No guards (before installation).</summary>
    internal static NativeGuards None { get; } = new([], [], null);

    /// <summary>Whether <c>socket(...)</c> records new sockets and guards <c>socket(fileno=...)</c> (the type slot was found).</summary>
    internal bool GuardsSocketCreation => _sockets is not null;

    /// <summary>The guards in place; they are CPython's entry points for their functions until the process ends.</summary>
    internal IReadOnlyList<Guard> Installed { get; }

    /// <summary>Targets this CPython does not have (a module not built, a function of another version), for the log.</summary>
    internal IReadOnlyList<string> Missing { get; }

    /// <summary>
    /// Finds every target in the main interpreter (attached) and replaces its entry point. A target whose module
    /// cannot be imported is skipped: no interpreter of this process can import it either.
    /// </summary>
    internal static NativeGuards Install(PolicyRegistry registry)
    {
        var guards = new List<Guard>();
        var missing = new List<string>();
        foreach (var target in Targets)
        {
            var definition = Locate(target);
            if (definition == null)
            {
                missing.Add($"{target.Module}.{target.Function}");
                continue;
            }
            var guard = new Guard(registry, target, definition);
            Patch(&definition->Function, guard.EntryPoint);
            guards.Add(guard);
        }
        var sockets = TypeSlotGuard.InstallForSockets(registry);
        if (sockets is null)
            missing.Add("_socket.socket.__init__");
        return new NativeGuards(guards, missing, sockets);
    }

    private static PyMethodDef* Locate(GuardTarget target)
    {
        NewRef module;
        try
        {
            module = Interop.Import(target.Module);
        }
        catch (PythonException)
        {
            return null;
        }
        using (module)
        {
            var owner = module.Borrow();
            NewRef holder = default;
            var parts = target.Function.Split('.');
            try
            {
                for (var i = 0; i < parts.Length - 1; i++)
                {
                    var next = Interop.GetAttr(owner, parts[i]);
                    holder.Dispose();
                    holder = next;
                    owner = holder.Borrow();
                }
                if (!Interop.HasAttr(owner, parts[^1]))
                    return null;
                using var function = Interop.GetAttr(owner, parts[^1]);
                var definition = DefinitionOf(function.Pointer);
                if (definition == null || Marshal.PtrToStringUTF8(definition->Name) != parts[^1])
                    throw new InvalidOperationException($"{target.Module}.{target.Function} is not the C function the PluginHost policy guards.");
                return definition;
            }
            catch (PythonException)
            {
                return null;
            }
            finally
            {
                holder.Dispose();
            }
        }
    }

    /// <summary>The PyMethodDef behind a builtin function or a method descriptor; null for anything else.</summary>
    private static PyMethodDef* DefinitionOf(nint callable)
    {
        var type = Interop.TypeOf(callable);
        if (type == LibPython.CFunctionType || type == LibPython.CMethodType)
            return *(PyMethodDef**)(callable + OffsetOfFunctionDefinition);
        if (type == LibPython.MethodDescriptorType)
            return *(PyMethodDef**)(callable + OffsetOfDescriptorDefinition);
        return null;
    }

    /// <summary>One aligned pointer store (atomic on x86-64); the page made writable first if it was not.</summary>
    internal static void Patch(nint* slot, nint value)
    {
        var page = (nint)slot & ~(nint)(PageSize - 1);
        var writable = IsWritable((nint)slot);
        if (!writable && LibC.Protect(page, PageSize, PROT_READ | PROT_WRITE) != 0)
            throw new InvalidOperationException($"Cannot make CPython's method table writable to guard it (errno {Marshal.GetLastPInvokeError()}).");
        Interlocked.Exchange(ref *slot, value);
        if (!writable)
            LibC.Protect(page, PageSize, PROT_READ);
    }

    private static bool IsWritable(nint address)
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var start = nint.Parse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            var end = nint.Parse(line.AsSpan(dash + 1, space - dash - 1), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (address >= start && address < end)
                return line[space + 2] == 'w';
        }
        return false;
    }

    /// <summary>A NUL-terminated UTF-8 copy that lives as long as the process (the guards hand it to the rules as an event name).</summary>
    internal static byte* PermanentUtf8(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var memory = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(memory, bytes.Length));
        memory[bytes.Length] = 0;
        return memory;
    }
}
