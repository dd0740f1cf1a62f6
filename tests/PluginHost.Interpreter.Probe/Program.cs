using PluginHost.Interpreter;

// Usage: probe <interpreters> [python source run in each]
// Starts the runtime (found as the host finds it), runs the source in N isolated interpreters at once, leaves them
// live, then disposes the runtime, which must end them and finalise. Prints one line per step for the test to read.
//
// Usage: probe large-blocks
// Two interpreters; the first allocates and frees large blocks, printing both interpreters' large-block figures
// (bytes) at each step as "<step> own=<n> other=<n>".
if (args is ["large-blocks", ..])
    return await LargeBlocks();
var count = args.Length > 0 ? int.Parse(args[0]) : 1;
var source = args.Length > 1 ? args[1] : "x = 1";
var runtime = PythonRuntime.Start();
Console.WriteLine($"started {runtime.Version.Split(' ')[0]}");
var interpreters = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => runtime.CreateInterpreterAsync()));
await Task.WhenAll(interpreters.Select(i => i.RunAsync(source)));
Console.WriteLine($"ran in {interpreters.Length} live={runtime.Interpreters.Count}");
await runtime.DisposeAsync();
Console.WriteLine($"finalized live={runtime.Interpreters.Count}");
return 0;

static async Task<int> LargeBlocks()
{
    var runtime = PythonRuntime.Start();
    Console.WriteLine($"started {runtime.Version.Split(' ')[0]}");
    var own = await runtime.CreateInterpreterAsync();
    var other = await runtime.CreateInterpreterAsync();
    void Report(string step) => Console.WriteLine($"{step} own={own.LargeBytes} other={other.LargeBytes}");
    Report("idle");
    // 256 MiB as one block (calloc'd: virtual until touched), then a million 1 KiB objects.
    await own.RunAsync("block = bytes(256 << 20)");
    Report("block");
    await own.RunAsync("del block");
    Report("freed");
    await own.RunAsync("many = [bytes(1024) for _ in range(100_000)]");
    Report("many");
    await own.RunAsync("del many");
    Report("freed-many");
    // Grown in place by realloc, then shrunk.
    await own.RunAsync("grown = bytearray()\nfor _ in range(64): grown += bytes(1 << 20)");
    Report("grown");
    await own.RunAsync("del grown[1 << 20:]");
    Report("shrunk");
    await own.RunAsync("del grown");
    Report("freed-grown");
    // Allocated by a Python thread of the interpreter, freed by the interpreter's own thread.
    await own.RunAsync("import threading\nkept = []\nt = threading.Thread(target=lambda: kept.append(bytes(32 << 20)))\nt.start(); t.join()");
    Report("thread");
    await own.RunAsync("kept.clear(); del t");
    Report("freed-thread");
    // Allocated by C code with the GIL released: lzma's decoder allocates its 64 MiB dictionary inside lzma_code.
    await own.RunAsync("import lzma\ndecoder = lzma.LZMADecompressor()\ndecoder.decompress(lzma.compress(bytes(1 << 16), preset=9)[:4096])");
    Report("released-gil");
    await own.RunAsync("del decoder");
    Report("freed-released-gil");
    await runtime.DisposeAsync();
    Console.WriteLine("finalized");
    return 0;
}
