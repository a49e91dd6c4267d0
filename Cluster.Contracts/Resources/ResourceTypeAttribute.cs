namespace Cluster.Contracts.Resources;

/// <summary>Marks a <see cref="Resource"/> subclass as a resource type, by name.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ResourceTypeAttribute(string name) : Attribute
{
    /// <summary>The type's name, e.g. GenericApplication.</summary>
    public string Name { get; } = name;

    /// <summary>The type's default LooksAlive interval (WSFC: 5 000 ms).</summary>
    public int LooksAlivePollIntervalMs { get; init; } = 5_000;

    /// <summary>The type's default IsAlive interval (WSFC: 60 000 ms).</summary>
    public int IsAlivePollIntervalMs { get; init; } = 60_000;
}
