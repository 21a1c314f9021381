namespace Strata.Serving;

/// <summary>Marker for the serving assembly (embedded resources, reflection).</summary>
public static class ServingAssembly
{
    public static System.Reflection.Assembly Assembly => typeof(ServingAssembly).Assembly;
}
