using Cluster.Contracts.Resources;

namespace Cluster.Resources;

/// <summary>An IP address (WSFC's IP Address): brought online on one node; a second claimer finds it in use.</summary>
[ResourceType("IPAddress")]
[ResourceProperty("Address", ResourcePropertyKind.Text, Required = true, Description = "The address, e.g. 10.0.0.5")]
[ResourceProperty("SubnetMask", ResourcePropertyKind.Text, DefaultValue = "255.255.255.0", Description = "Its subnet mask")]
public sealed class IPAddress : SimulatedClaim
{
    protected override string Kind => "ip";

    protected override string KeyProperty => "Address";

    protected override string? Check(string value) =>
        System.Net.IPAddress.TryParse(value, out _) ? null : $"'{value}' is not an IP address";
}
