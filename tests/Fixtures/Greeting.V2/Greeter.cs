namespace Greeting;

public static class Greeter
{
    public static string Hello(string name) => $"Hi {name}! (2.0)";
}
