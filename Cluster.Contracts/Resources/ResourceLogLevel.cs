namespace Cluster.Contracts.Resources;

/// <summary>The level of a line a resource logs.</summary>
public enum ResourceLogLevel
{
    /// <summary>Detail for whoever debugs the resource DLL.</summary>
    Debug,

    /// <summary>Normal operation.</summary>
    Information,

    /// <summary>Something unexpected that the resource survived.</summary>
    Warning,

    /// <summary>A failure.</summary>
    Error,
}
