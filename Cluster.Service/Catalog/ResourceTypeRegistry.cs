using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol;
using Cluster.Service.Store;
using Google.Protobuf;

namespace Cluster.Service.Catalog;

/// <summary>
/// The resource types of the cluster, kept in the store under /cluster/types/NAME. A type is
/// registered only once its DLL has loaded in an RHS and named that type; the built-in types are
/// registered the same way, by path.
/// </summary>
internal sealed class ResourceTypeRegistry(IClusterStore store, Func<ResourceTypeRef, Task<ResourceTypeInfo>> load)
{
    private const string Prefix = Database.ConfigurationKeys.Types;

    /// <exception cref="ClusterException">The name is empty, or the DLL does not load or lacks the type; nothing changed.</exception>
    public async Task<ResourceTypeInfo> RegisterAsync(string name, string dllPath, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, $"'{name}' is not a resource type name.");
        }

        if (string.IsNullOrWhiteSpace(dllPath))
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, $"Resource type {name} needs the path of its resource DLL.");
        }

        var type = new ResourceTypeRef { Name = name, DllPath = Path.GetFullPath(dllPath) };
        var info = await load(type).ConfigureAwait(false); // throws, naming the DLL, if it does not load
        await store.PutAsync(Prefix + name, type.ToByteArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return info;
    }

    /// <summary>Registers a type only if no type of that name is registered yet (the built-ins at node start).</summary>
    public async Task EnsureAsync(string name, string dllPath, CancellationToken cancellationToken = default)
    {
        var type = new ResourceTypeRef { Name = name, DllPath = Path.GetFullPath(dllPath) };
        await load(type).ConfigureAwait(false);
        await store.TransactAsync(
            new Transaction { Compares = [Compare.Absent(Prefix + name)], Success = [StoreOperation.Put(Prefix + name, type.ToByteArray())] },
            cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="ClusterException">No type of that name is registered; the message lists those that are.</exception>
    public async Task<ResourceTypeRef> ResolveAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!string.IsNullOrEmpty(name) && await store.GetAsync(Prefix + name, cancellationToken).ConfigureAwait(false) is { } found)
        {
            return ResourceTypeRef.Parser.ParseFrom(found.Value);
        }

        var known = (await ListAsync(cancellationToken).ConfigureAwait(false)).Select(t => t.Name);
        throw new ClusterException(ClusterErrorKind.NotFound,
            $"Resource type '{name}' is not registered (registered: {string.Join(", ", known)}); register it with `cluster resourcetype register`.");
    }

    public async Task<IReadOnlyList<ResourceTypeRef>> ListAsync(CancellationToken cancellationToken = default)
    {
        var (items, _) = await store.RangeAsync(Prefix, cancellationToken).ConfigureAwait(false);
        return [.. items.Select(i => ResourceTypeRef.Parser.ParseFrom(i.Value))];
    }
}
