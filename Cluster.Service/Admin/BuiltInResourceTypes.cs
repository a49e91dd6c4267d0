using Cluster.Grpc;

namespace Cluster.Service.Admin;

/// <summary>The resource types of the built-in resource DLL (Cluster.Resources.dll beside this program).</summary>
internal sealed class BuiltInResourceTypes
{
    public static readonly string[] Names = ["GenericApplication", "FaultInjection"];

    public string DllPath { get; init; } = Path.Combine(AppContext.BaseDirectory, "Cluster.Resources.dll");

    public string DllPathOf(string type) => Names.Contains(type, StringComparer.Ordinal)
        ? DllPath
        : throw new RpcException(StatusCode.InvalidArgument,
            $"'{type}' is not a built-in resource type ({string.Join(", ", Names)}); give the path of its resource DLL.");
}
