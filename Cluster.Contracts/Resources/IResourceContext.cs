
namespace Cluster.Contracts.Resources;

/// <summary>What the RHS offers a resource. Thread-safe: a resource may call it from its own threads.</summary>
public interface IResourceContext
{
    /// <summary>The resource's name, unique in the cluster.</summary>
    string ResourceName { get; }

    /// <summary>The resource's private properties, validated against its type's declarations.</summary>
    ResourceProperties Properties { get; }

    /// <summary>
    /// Reports the state of a pending transition: progress while still pending (each report resets the
    /// PendingTimeout its RHS keeps), then its final state (Online, Offline or Failed).
    /// </summary>
    void ReportState(ResourceState state, uint checkpoint = 0, string message = "");

    /// <summary>Reports a failure seen on the resource's own, at once, rather than at the next health check.</summary>
    void ReportFailure(string reason);

    /// <summary>
    /// Publishes a read-only property (WSFC's read-only private properties), such as the process id of
    /// the application the resource runs ("ProcessId"); an empty value withdraws it.
    /// </summary>
    void SetReadOnlyProperty(string name, string value);

    /// <summary>Writes a line to the cluster log, attributed to the resource.</summary>
    void Log(ResourceLogLevel level, string message);
}
