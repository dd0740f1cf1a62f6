using System.Reflection;

namespace PluginHost.Host.HostFunctions;

/// <summary>Awaits what a host function returned, by its declared type: a value, Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
internal static class ResultAwaiter
{
    public static Func<object?, ValueTask<object?>> For(Type returnType)
    {
        if (returnType == typeof(void))
            return _ => ValueTask.FromResult<object?>(null);
        if (returnType == typeof(Task))
            return async returned => { await (Task)returned!; return null; };
        if (returnType == typeof(ValueTask))
            return async returned => { await (ValueTask)returned!; return null; };
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Task<>) || definition == typeof(ValueTask<>)))
        {
            var helper = definition == typeof(Task<>) ? nameof(AwaitTask) : nameof(AwaitValueTask);
            return typeof(ResultAwaiter).GetMethod(helper, BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(returnType.GetGenericArguments()[0])
                .CreateDelegate<Func<object?, ValueTask<object?>>>();
        }
        return returned => ValueTask.FromResult(returned);
    }

    private static async ValueTask<object?> AwaitTask<T>(object? returned) => await (Task<T>)returned!;

    private static async ValueTask<object?> AwaitValueTask<T>(object? returned) => await (ValueTask<T>)returned!;
}
