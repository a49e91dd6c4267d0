using Cluster.Contracts.Resources;

namespace Cluster.Rhs;

/// <summary>
/// A resource DLL's state as the wire carries it. The API's enum and the proto's share their numbers
/// (checked by a test), so this is a cast, kept in one place.
/// </summary>
internal static class WireState
{
    public static Cluster.Protocol.Types.V1.ResourceState ToWire(this ResourceState state) =>
        (Cluster.Protocol.Types.V1.ResourceState)(int)state;
}
