using Cluster.Protocol.Rhs.V1;
using Cluster.Service.Database;
using Cluster.Service.Store;
using Google.Protobuf;

namespace Cluster.Tests.Database;

/// <summary>A cluster database on the in-memory store, with two resource types whose "DLLs" answer from here.</summary>
internal static class TestDatabase
{
    public static async Task<(IClusterStore Store, ClusterDatabase Database)> CreateAsync()
    {
        var store = SqliteClusterStore.OpenInMemory();
        foreach (var name in new[] { "App", "Disk" })
        {
            await store.PutAsync(ConfigurationKeys.Types + name, new ResourceTypeRef { Name = name, DllPath = $"/dlls/{name}.dll" }.ToByteArray());
        }

        return (store, Over(store));
    }

    /// <summary>Another node's view of the same store.</summary>
    public static ClusterDatabase Over(IClusterStore store) => new(store, type => Task.FromResult(Describe(type.Name)));

    private static ResourceTypeInfo Describe(string type)
    {
        var info = new ResourceTypeInfo { Name = type };
        if (type == "App")
        {
            info.Properties.Add(new PropertySchema { Name = "Command", Kind = PropertyKind.String, Required = true, Minimum = long.MinValue, Maximum = long.MaxValue });
            info.Properties.Add(new PropertySchema { Name = "Port", Kind = PropertyKind.Integer, Minimum = 1, Maximum = 65535 });
        }

        return info;
    }
}
