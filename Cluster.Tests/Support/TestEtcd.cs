using Cluster.Service.Store;
using Cluster.Service.Store.Etcd;

namespace Cluster.Tests.Support;

/// <summary>A real one-member etcd for a fixture, in a temporary directory of its own; emptied between tests, removed at the end.</summary>
internal sealed class TestEtcd : IAsyncDisposable
{
    private readonly string _root;
    private readonly EtcdCluster _etcd;

    private TestEtcd(string root, EtcdCluster etcd)
    {
        _root = root;
        _etcd = etcd;
    }

    public StoreLocation Location => _etcd.Location;

    public static async Task<TestEtcd> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"cluster-etcd-{Guid.NewGuid():N}");
        return new TestEtcd(root, await EtcdCluster.StartAsync(root, 1, attached: true, CancellationToken.None));
    }

    /// <summary>Kills the member (SIGKILL): the store is gone until <see cref="RestartAsync"/>.</summary>
    public Task KillAsync() => _etcd.Members[0].KillAsync(CancellationToken.None);

    /// <summary>Starts the member again on its data, and waits until it serves.</summary>
    public Task RestartAsync() => _etcd.RestartAsync(_etcd.Members[0], CancellationToken.None);

    /// <summary>A store on it (the caller disposes it).</summary>
    public EtcdClusterStore Connect() => EtcdClusterStore.Connect(Location.EtcdEndpoints);

    /// <summary>Deletes every key: the next test starts from an empty key space (revisions go on).</summary>
    public async Task EmptyAsync()
    {
        await using var store = Connect();
        await store.TransactAsync(new Transaction { Success = [StoreOperation.DeletePrefix("")] });
    }

    public async ValueTask DisposeAsync()
    {
        await _etcd.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
