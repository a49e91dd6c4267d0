namespace Cluster.Contracts.Resources;

/// <summary>Declares a private property of a resource type. Undeclared properties are refused.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ResourcePropertyAttribute(string name, ResourcePropertyKind kind) : Attribute
{
    /// <summary>The property's name, e.g. CommandLine.</summary>
    public string Name { get; } = name;

    /// <summary>The type of its value.</summary>
    public ResourcePropertyKind Kind { get; } = kind;

    /// <summary>One line for `cluster resourcetype list`.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The value used when the resource does not set one; null for none.</summary>
    public string? DefaultValue { get; init; }

    /// <summary>Whether Open needs a value.</summary>
    public bool Required { get; init; }

    /// <summary>Inclusive lower bound of an integer property.</summary>
    public long Minimum { get; init; } = long.MinValue;

    /// <summary>Inclusive upper bound of an integer property.</summary>
    public long Maximum { get; init; } = long.MaxValue;
}
