namespace Greeting;

public static class Greeter
{
    public static string Hello(string name) => $"Hello, {name}.";
}
