using Cluster.Contracts.Resources;

namespace Cluster.Resources;

/// <summary>A network name (WSFC's Network Name): registered by one node; a second registration fails.</summary>
[ResourceType("NetworkName")]
[ResourceProperty("Name", ResourcePropertyKind.Text, Required = true, Description = "The name clients use, e.g. EVS1")]
public sealed class NetworkName : SimulatedClaim
{
    protected override string Kind => "name";

    protected override string KeyProperty => "Name";

    protected override string? Check(string value) =>
        value.Length is > 0 and <= 63 && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? null
            : $"'{value}' is not a network name (up to 63 letters, digits or '-')";
}
