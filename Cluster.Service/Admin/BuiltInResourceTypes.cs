namespace Cluster.Service.Admin;

/// <summary>The resource types of the built-in resource DLL, Cluster.Resources.dll beside this program.</summary>
internal static class BuiltInResourceTypes
{
    public static readonly string[] Names = ["GenericApplication", "FaultInjection", "Disk", "IPAddress", "NetworkName"];

    public static string DllPath { get; } = Path.Combine(AppContext.BaseDirectory, "Cluster.Resources.dll");
}
