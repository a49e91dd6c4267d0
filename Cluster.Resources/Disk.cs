using Cluster.Contracts.Resources;

namespace Cluster.Resources;

/// <summary>A shared disk (WSFC's Physical Disk): one node at a time holds its reservation.</summary>
[ResourceType("Disk")]
[ResourceProperty("DiskId", ResourcePropertyKind.Text, Required = true, Description = "The disk's identity, e.g. its signature")]
public sealed class Disk : SimulatedClaim
{
    protected override string Kind => "disk";

    protected override string KeyProperty => "DiskId";
}
