namespace Cluster.Contracts.Resources;

/// <summary>The type of a private property's value.</summary>
public enum ResourcePropertyKind
{
    /// <summary>Any text.</summary>
    Text,

    /// <summary>A whole number, optionally bounded.</summary>
    Number,

    /// <summary>true or false (also 1/0, yes/no).</summary>
    Boolean,
}
