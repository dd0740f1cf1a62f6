using PluginHost.Sdk.Messaging;

namespace PluginHost.Interpreter.Contract;

/// <summary>
/// An argument or result of a host function as it crosses between Python and .NET: bytes and how to read them
/// (<see cref="ContentTypes"/>), encoded and decoded exactly like a message's payload.
/// </summary>
public readonly record struct HostPayload(ReadOnlyMemory<byte> Bytes, string ContentType);

/// <summary>
/// A host function raised: Python gets <c>pluginhost.HostFunctionError</c> with <see cref="Exception.Message"/>.
/// The binding wraps the function's own exception in it, so errors of the call itself (denied, unknown name,
/// timeout) keep their usual Python types.
/// </summary>
public sealed class HostFunctionException(string message, Exception? inner = null) : Exception(message, inner);
