using PluginHost.Interpreter.Locating;

namespace PluginHost.Interpreter.Tests.Locating;

/// <summary>A throwaway folder in which tests build fake Python installations, PATH folders and pyenv roots.</summary>
internal sealed class FakePythonLayout : IDisposable
{
    public const string RealPython313 = "/root/.pyenv/versions/3.13.0";
    public const string RealPython312 = "/root/.pyenv/versions/3.12.1";

    public string Root { get; } = Directory.CreateTempSubdirectory("pluginhost-locator-").FullName;

    public string At(string relative) => Path.Combine(Root, relative);

    public string Folder(string relative) => Directory.CreateDirectory(At(relative)).FullName;

    /// <summary>A file that starts like an ELF shared object, which is all the locator can check without loading it.</summary>
    public string Library(string relative)
    {
        var path = At(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        return path;
    }

    /// <summary>lib/python3.X/os.py under a prefix: the marker of a standard library, hence of a usable Home.</summary>
    public void StandardLibrary(string prefix, string version) => Text($"{prefix}/lib/python{version}/os.py", "# stdlib marker\n");

    public string Text(string relative, string content)
    {
        var path = At(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string Script(string relative, string body)
    {
        var path = Text(relative, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>
    /// An executable that behaves like a python of the given version and build: the real 3.13 runs whatever it is
    /// asked, but with sys.version_info, sys.base_prefix and the sysconfig values overridden.
    /// </summary>
    public string Python(string relative, string version, bool shared, string libDir, string basePrefix)
    {
        var (major, minor) = (version.Split('.')[0], version.Split('.')[1]);
        return Script(relative, $$"""
            exec {{RealPython313}}/bin/python3.13 - "$@" <<'PY'
            import sys, sysconfig
            facts = {'LIBDIR': '{{libDir}}', 'LDLIBRARY': 'libpython{{version}}.so' if {{(shared ? 1 : 0)}} else 'libpython{{version}}.a',
                     'INSTSONAME': 'libpython{{version}}.so.1.0' if {{(shared ? 1 : 0)}} else 'libpython{{version}}.a',
                     'Py_ENABLE_SHARED': {{(shared ? 1 : 0)}}, 'Py_GIL_DISABLED': 0}
            real_vars = sysconfig.get_config_vars
            def config_vars(*names):
                merged = dict(real_vars(), **facts)
                return [merged.get(n) for n in names] if names else merged
            sysconfig.get_config_vars = config_vars
            sysconfig.get_config_var = lambda name: config_vars().get(name)
            sys.version_info = ({{major}}, {{minor}}, 0, 'final', 0)
            sys.base_prefix = sys.prefix = '{{basePrefix}}'
            args = sys.argv[1:]
            exec(args[args.index('-c') + 1])
            PY
            """);
    }

    public string Link(string relative, string target)
    {
        var path = At(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (Directory.Exists(target)) Directory.CreateSymbolicLink(path, target);
        else File.CreateSymbolicLink(path, target);
        return path;
    }

    /// <summary>An environment that sees only the given variables and library folders, nothing of the real machine.</summary>
    public static PythonLocatorEnvironment Environment(IReadOnlyDictionary<string, string> variables, params string[] libraryFolders) =>
        new(name => variables.GetValueOrDefault(name), libraryFolders);

    // Recursive delete removes symbolic links without following them, so the real installations stay untouched.
    public void Dispose() => Directory.Delete(Root, recursive: true);
}
