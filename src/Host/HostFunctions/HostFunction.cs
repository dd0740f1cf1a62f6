using System.Reflection;
using System.Text.Json;
using PluginHost.Interpreter.Contract;
using PluginHost.Sdk.HostFunctions;

namespace PluginHost.Host.HostFunctions;

/// <summary>
/// One <see cref="HostFunctionAttribute"/> method bound to its instance: how to build its arguments from a payload,
/// invoke it, await it when it is asynchronous, and turn its result into a payload.
/// </summary>
internal sealed class HostFunction
{
    private readonly object _target;
    private readonly MethodInvoker _invoker;
    private readonly ParameterKind[] _parameters;
    private readonly Type? _payloadType;
    private readonly Func<object?, ValueTask<object?>> _await;
    private readonly JsonSerializerOptions _json;

    private enum ParameterKind { Payload, Call, Cancellation }

    private HostFunction(string name, string? owner, object target, MethodInfo method, JsonSerializerOptions json)
    {
        Name = name;
        Owner = owner;
        _target = target;
        _json = json;
        _invoker = MethodInvoker.Create(method);
        _parameters = [.. method.GetParameters().Select(p => p.ParameterType == typeof(HostCall) ? ParameterKind.Call
            : p.ParameterType == typeof(CancellationToken) ? ParameterKind.Cancellation
            : ParameterKind.Payload)];
        var payloads = method.GetParameters().Where(p => p.ParameterType != typeof(HostCall) && p.ParameterType != typeof(CancellationToken)).ToList();
        if (payloads.Count > 1)
            throw new InvalidOperationException($"host function '{name}' ({Describe(method)}) takes {payloads.Count} payload parameters; it may take one");
        _payloadType = payloads.SingleOrDefault()?.ParameterType;
        _await = ResultAwaiter.For(method.ReturnType);
    }

    public string Name { get; }

    /// <summary>The plugin that ships it, or null for a function the host provides.</summary>
    public string? Owner { get; }

    /// <summary>Every <see cref="HostFunctionAttribute"/> method of <paramref name="target"/>.</summary>
    public static IEnumerable<HostFunction> Of(object target, string? owner, JsonSerializerOptions json) =>
        target.GetType()
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<HostFunctionAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => new HostFunction(x.Attribute!.Name, owner, target, x.Method, json));

    /// <summary>
    /// Runs the function. Errors in the argument throw <see cref="InvalidCastException"/>; whatever the function
    /// throws (synchronously or from its task) comes out as is.
    /// </summary>
    public async ValueTask<HostPayload> InvokeAsync(HostCall call, HostPayload argument, CancellationToken cancellationToken)
    {
        var arguments = new object?[_parameters.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = _parameters[i] switch
            {
                ParameterKind.Call => call,
                ParameterKind.Cancellation => cancellationToken,
                _ => HostFunctionPayloads.ToArgument(argument, _payloadType!, Name, _json),
            };
        }
        var returned = _invoker.Invoke(_target, new Span<object?>(arguments));
        return HostFunctionPayloads.FromResult(await _await(returned), _json);
    }

    private static string Describe(MethodInfo method) => $"{method.DeclaringType?.FullName}.{method.Name}";
}
