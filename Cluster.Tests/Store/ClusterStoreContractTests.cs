using System.Text;
using Cluster.Service.Store;
using Cluster.Service.Store.Etcd;
using Cluster.Tests.Support;

namespace Cluster.Tests.Store;

/// <summary>
/// The etcd-shaped contract, on the file-backed store, the in-memory one and a real etcd alike. Time passes
/// on a fake clock for the embedded store and for real on etcd (it keeps its own).
/// </summary>
[TestFixture("file")]
[TestFixture("memory")]
[TestFixture("etcd")]
public sealed class ClusterStoreContractTests(string backing)
{
    private readonly ManualTimeProvider _clock = new();
    private string? _path;
    private TestEtcd? _etcd;
    private IClusterStore _store = null!;

    [OneTimeSetUp]
    public async Task StartEtcd()
    {
        if (backing == "etcd")
        {
            _etcd = await TestEtcd.StartAsync();
        }
    }

    [OneTimeTearDown]
    public async Task StopEtcd()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }

    [SetUp]
    public async Task Open()
    {
        var options = new ClusterStoreOptions { TimeProvider = _clock, LeaseSweepInterval = TimeSpan.Zero, HistoryRevisions = 50 };
        switch (backing)
        {
            case "file":
                _path = Path.Combine(Path.GetTempPath(), $"cluster-store-{Guid.NewGuid():N}", "cluster.db");
                _store = SqliteClusterStore.Open(_path, options);
                break;
            case "memory":
                _store = SqliteClusterStore.OpenInMemory(options);
                break;
            default:
                await _etcd!.EmptyAsync(); // each test from an empty key space
                _store = _etcd.Connect();
                break;
        }
    }

    [TearDown]
    public async Task Close()
    {
        await _store.DisposeAsync();
        if (backing == "file")
        {
            Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
        }
    }

    [Test]
    public async Task Put_and_get_report_revisions_and_versions()
    {
        var first = await _store.PutAsync("/a", Bytes("1"));
        var second = await _store.PutAsync("/a", Bytes("2"));

        var a = await _store.GetAsync("/a");
        Assert.That(second, Is.EqualTo(first + 1));
        Assert.That(Text(a!.Value), Is.EqualTo("2"));
        Assert.That((a.CreateRevision, a.ModRevision, a.Version), Is.EqualTo((first, second, 2L)));
        Assert.That(await _store.CurrentRevisionAsync(), Is.EqualTo(second));
        Assert.That(await _store.GetAsync("/missing"), Is.Null);
    }

    [Test]
    public async Task Range_returns_a_prefix_in_key_order()
    {
        await _store.PutAsync("/groups/b", Bytes("b"));
        await _store.PutAsync("/groups/a", Bytes("a"));
        var last = await _store.PutAsync("/other", Bytes("x"));

        var (items, revision) = await _store.RangeAsync("/groups/");

        Assert.That(items.Select(i => i.Key), Is.EqualTo(new[] { "/groups/a", "/groups/b" }));
        Assert.That(revision, Is.EqualTo(last));
    }

    [Test]
    public async Task Delete_removes_a_key_and_deleting_nothing_changes_nothing()
    {
        await _store.PutAsync("/a", Bytes("1"));
        var deleted = await _store.DeleteAsync("/a");

        Assert.That(await _store.GetAsync("/a"), Is.Null);
        Assert.That(await _store.DeleteAsync("/a"), Is.EqualTo(deleted), "no revision for a no-op");
    }

    [Test]
    public async Task Delete_prefix_removes_every_key_under_it_in_one_revision()
    {
        await _store.PutAsync("/g/1", Bytes("1"));
        await _store.PutAsync("/g/2", Bytes("2"));
        await _store.PutAsync("/h", Bytes("3"));

        var before = await _store.CurrentRevisionAsync();

        var result = await _store.TransactAsync(new Transaction { Success = [StoreOperation.DeletePrefix("/g/")] });

        Assert.That((await _store.RangeAsync("")).Items.Select(i => i.Key), Is.EqualTo(new[] { "/h" }));
        Assert.That(result.Revision, Is.EqualTo(before + 1));
    }

    [Test]
    public async Task Transaction_takes_the_success_branch_only_when_every_compare_holds()
    {
        var created = await _store.PutAsync("/owner", Bytes("n1"));
        var transaction = new Transaction
        {
            Compares = [Compare.ModRevision("/owner", CompareOperator.Equal, created), Compare.Absent("/lock")],
            Success = [StoreOperation.Put("/owner", Bytes("n2")), StoreOperation.Put("/epoch", Bytes("2"))],
            Failure = [StoreOperation.Put("/conflict", Bytes("yes"))],
        };

        var won = await _store.TransactAsync(transaction);
        var lost = await _store.TransactAsync(transaction);

        Assert.That(won.Succeeded, Is.True);
        Assert.That(won.Revision, Is.EqualTo(created + 1), "both puts in one revision");
        Assert.That((await _store.GetAsync("/epoch"))!.ModRevision, Is.EqualTo(won.Revision));
        Assert.That(lost.Succeeded, Is.False);
        Assert.That(Text((await _store.GetAsync("/owner"))!.Value), Is.EqualTo("n2"));
        Assert.That(await _store.GetAsync("/conflict"), Is.Not.Null);
    }

    [Test]
    public async Task Compare_and_put_creates_only_when_absent_and_refuses_a_stale_revision()
    {
        Assert.That((await _store.CompareAndPutAsync("/k", 0, Bytes("first"))).Succeeded, Is.True);
        Assert.That((await _store.CompareAndPutAsync("/k", 0, Bytes("second"))).Succeeded, Is.False);

        var current = (await _store.GetAsync("/k"))!.ModRevision;
        Assert.That((await _store.CompareAndPutAsync("/k", current, Bytes("third"))).Succeeded, Is.True);
        Assert.That(Text((await _store.GetAsync("/k"))!.Value), Is.EqualTo("third"));
    }

    [Test]
    public async Task Value_compares_order_bytes()
    {
        await _store.PutAsync("/v", Bytes("b"));

        Assert.That(Compare.ValueOf("/v", CompareOperator.Equal, Bytes("b")).Holds(await _store.GetAsync("/v")), Is.True);
        Assert.That(Compare.ValueOf("/v", CompareOperator.Greater, Bytes("a")).Holds(await _store.GetAsync("/v")), Is.True);
        Assert.That(Compare.ValueOf("/none", CompareOperator.NotEqual, Bytes("b")).Holds(null), Is.False);
    }

    [Test]
    public async Task Keys_vanish_with_their_lease_and_readers_never_see_them_after_expiry()
    {
        // On etcd time passes for real: twice as long, for a second of slack on a busy machine.
        var unit = TimeSpan.FromSeconds(backing == "etcd" ? 2 : 1);
        var lease = (await _store.GrantLeaseAsync(2 * unit)).Id;
        await _store.PutAsync("/nodes/n1", Bytes("up"), lease);
        var before = await _store.CurrentRevisionAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var deleted = FirstEventAsync("/nodes/", before + 1, cancel.Token);

        await PassAsync(1.5 * unit);
        Assert.That(await _store.KeepAliveAsync(lease), Is.True);
        await PassAsync(1.5 * unit);
        Assert.That(await _store.GetAsync("/nodes/n1"), Is.Not.Null, "kept alive past its first TTL");

        await PassAsync(unit);
        if (backing == "etcd")
        {
            await Eventually.Until(async () => await _store.GetAsync("/nodes/n1") is null ? "" : null, TimeSpan.FromSeconds(20), "the leased key to vanish");
        }

        Assert.That(await _store.GetAsync("/nodes/n1"), Is.Null, "expired, even before the sweep");
        Assert.That(await _store.KeepAliveAsync(lease), Is.False);
        await _store.ExpireLeasesAsync();
        var gone = await deleted;
        Assert.That((gone.Kind, gone.KeyValue.Key, gone.Revision), Is.EqualTo((WatchEventKind.Delete, "/nodes/n1", before + 1)), "the expiry deleted it as one revision");
    }

    [Test]
    public async Task A_lease_is_granted_at_least_the_ttl_asked_for()
    {
        var grant = await _store.GrantLeaseAsync(TimeSpan.FromMilliseconds(1500));

        Assert.That(grant.Ttl, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1500)));
        Assert.That(grant.Ttl, backing == "etcd" ? Is.EqualTo(TimeSpan.FromSeconds(2)) : Is.EqualTo(TimeSpan.FromMilliseconds(1500)), "etcd counts whole seconds");
        Assert.That(await _store.KeepAliveAsync(grant.Id), Is.True);
    }

    [Test]
    public async Task Keep_alive_of_an_unknown_lease_is_false() =>
        Assert.That(await _store.KeepAliveAsync(987_654_321), Is.False);

    [Test]
    public async Task Revoking_a_lease_deletes_its_keys()
    {
        var lease = (await _store.GrantLeaseAsync(TimeSpan.FromSeconds(10))).Id;
        await _store.PutAsync("/coordinator", Bytes("n1"), lease);
        await _store.PutAsync("/plain", Bytes("stays"));

        await _store.RevokeLeaseAsync(lease);

        Assert.That((await _store.RangeAsync("/")).Items.Select(i => i.Key), Is.EqualTo(new[] { "/plain" }));
    }

    [Test]
    public async Task Put_with_an_unknown_lease_is_refused_and_changes_nothing()
    {
        await _store.PutAsync("/a", Bytes("1"));
        var before = await _store.CurrentRevisionAsync();

        var error = Assert.ThrowsAsync<ClusterStoreException>(() => _store.TransactAsync(new Transaction
        {
            Success = [StoreOperation.Put("/a", Bytes("2")), StoreOperation.Put("/b", Bytes("x"), lease: 999)],
        }));

        Assert.That(error!.Message, Does.Contain("Lease 999").And.Contain("/b"));
        Assert.That(await _store.CurrentRevisionAsync(), Is.EqualTo(before));
        Assert.That(Text((await _store.GetAsync("/a"))!.Value), Is.EqualTo("1"), "the whole transaction rolled back");
    }

    [TestCase("")]
    public void Empty_key_is_refused(string key)
    {
        Assert.ThrowsAsync<ClusterStoreException>(() => _store.PutAsync(key, Bytes("x")));
        Assert.ThrowsAsync<ClusterStoreException>(() => _store.GetAsync(key));
    }

    [Test]
    public void Lease_without_a_positive_ttl_is_refused() =>
        Assert.ThrowsAsync<ClusterStoreException>(() => _store.GrantLeaseAsync(TimeSpan.Zero));

    [Test]
    public async Task Watch_replays_history_from_a_revision_then_follows_new_writes()
    {
        var first = await _store.PutAsync("/g/a", Bytes("1"));
        await _store.PutAsync("/other", Bytes("ignored"));
        await _store.DeleteAsync("/g/a");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<WatchEvent>();

        await foreach (var item in _store.WatchAsync("/g/", first, cancel.Token))
        {
            seen.Add(item);
            if (seen.Count == 2)
            {
                await _store.PutAsync("/g/b", Bytes("2"));
            }

            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.That(seen.Select(e => (e.Kind, e.KeyValue.Key)), Is.EqualTo(new[]
        {
            (WatchEventKind.Put, "/g/a"), (WatchEventKind.Delete, "/g/a"), (WatchEventKind.Put, "/g/b"),
        }));
        Assert.That(seen.Select(e => e.Revision), Is.Ordered.Ascending);
    }

    [Test]
    public async Task Watch_from_a_compacted_revision_is_a_clear_error()
    {
        var first = await _store.PutAsync("/k", Bytes("first"));
        for (var i = 0; i < 100; i++)
        {
            await _store.PutAsync("/k", Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (_store is EtcdClusterStore etcd)
        {
            await etcd.CompactAsync(await _store.CurrentRevisionAsync()); // the embedded store keeps 50 revisions here; etcd is told
        }

        var error = Assert.ThrowsAsync<ClusterStoreException>(async () =>
        {
            await foreach (var item in _store.WatchAsync("/", first))
            {
                break;
            }
        });

        Assert.That(error!.Message, Does.Contain($"Revision {first} has been compacted"));
    }

    /// <summary>Lets <paramref name="time"/> pass for the store: on the fake clock, or for real on etcd.</summary>
    private async Task PassAsync(TimeSpan time)
    {
        if (backing == "etcd")
        {
            await Task.Delay(time);
        }
        else
        {
            _clock.Advance(time);
        }
    }

    private async Task<WatchEvent> FirstEventAsync(string prefix, long fromRevision, CancellationToken cancellationToken)
    {
        await foreach (var item in _store.WatchAsync(prefix, fromRevision, cancellationToken))
        {
            return item;
        }

        throw new InvalidOperationException("the watch ended");
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] value) => Encoding.UTF8.GetString(value);
}
