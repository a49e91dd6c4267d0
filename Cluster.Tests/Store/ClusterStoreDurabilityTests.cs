using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Cluster.Service.Store;
using Cluster.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Cluster.Tests.Store;

/// <summary>Several processes on one store file, and a writer killed with SIGKILL mid-write.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ClusterStoreDurabilityTests
{
    private string _directory = null!;

    private string StorePath => Path.Combine(_directory, "cluster.db");

    [SetUp]
    public void CreateDirectory() => _directory = ClusterCli.NewClusterDirectory();

    [TearDown]
    public void DeleteDirectory()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public async Task Concurrent_compare_and_swap_through_separate_connections_loses_no_update()
    {
        var stores = Enumerable.Range(0, 3).Select(_ => SqliteClusterStore.Open(StorePath)).ToList();
        try
        {
            await Task.WhenAll(stores.Select(store => Task.Run(async () =>
            {
                for (var done = 0; done < 50;)
                {
                    var current = await store.GetAsync("/counter");
                    var next = (current is null ? 0 : int.Parse(Encoding.UTF8.GetString(current.Value), System.Globalization.CultureInfo.InvariantCulture)) + 1;
                    var result = await store.CompareAndPutAsync(
                        "/counter", current?.ModRevision ?? 0, Encoding.UTF8.GetBytes(next.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    done += result.Succeeded ? 1 : 0;
                }
            })));

            Assert.That(Encoding.UTF8.GetString((await stores[0].GetAsync("/counter"))!.Value), Is.EqualTo("150"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Watch_sees_writes_of_another_connection()
    {
        await using var writer = SqliteClusterStore.Open(StorePath);
        await using var watcher = SqliteClusterStore.Open(StorePath);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var from = await watcher.CurrentRevisionAsync() + 1;

        await writer.PutAsync("/nodes/n2", Encoding.UTF8.GetBytes("up"));

        await foreach (var item in watcher.WatchAsync("/nodes/", from, cancel.Token))
        {
            Assert.That(item.KeyValue.Key, Is.EqualTo("/nodes/n2"));
            break;
        }
    }

    [Test]
    public async Task An_idle_watch_sees_every_write_of_its_own_connection_and_of_others_in_order()
    {
        // An idle watch skips its query while SQLite's data_version stands still; its own commits do not move
        // data_version, so they must wake it some other way.
        await using var other = SqliteClusterStore.Open(StorePath);
        await using var own = SqliteClusterStore.Open(StorePath);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var from = await own.CurrentRevisionAsync() + 1;
        var seen = new List<string>();
        var watching = Task.Run(async () =>
        {
            await foreach (var item in own.WatchAsync("/w/", from, cancel.Token))
            {
                lock (seen)
                {
                    seen.Add(item.KeyValue.Key);
                }

                if (item.KeyValue.Key == "/w/6")
                {
                    return;
                }
            }
        });

        for (var i = 1; i <= 6; i++)
        {
            var store = i % 2 == 0 ? own : other;
            await store.PutAsync($"/w/{i}", Encoding.UTF8.GetBytes("x"));
            await Eventually.Until(() => { lock (seen) { return seen.Count == i; } }, TimeSpan.FromSeconds(10), $"the watch to see /w/{i}");
        }

        await watching.WaitAsync(cancel.Token);
        Assert.That(seen, Is.EqualTo(new[] { "/w/1", "/w/2", "/w/3", "/w/4", "/w/5", "/w/6" }));
    }

    [Test]
    public async Task A_write_by_another_connection_wakes_an_idle_watch_without_its_poll()
    {
        await using var other = SqliteClusterStore.Open(StorePath);
        await using var watcher = SqliteClusterStore.Open(StorePath, new ClusterStoreOptions { WatchSafetyPollInterval = TimeSpan.FromHours(1) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var from = await watcher.CurrentRevisionAsync() + 1;
        await using var events = watcher.WatchAsync("/nodes/", from, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var first = events.MoveNextAsync().AsTask(); // reads nothing, then sleeps until the file is written

        await other.PutAsync("/nodes/n3", Encoding.UTF8.GetBytes("up"));

        Assert.That(await first.WaitAsync(cancel.Token), Is.True, "woken by the write to the log, not by a poll an hour away");
        Assert.That(events.Current.KeyValue.Key, Is.EqualTo("/nodes/n3"));
    }

    [Test]
    public async Task A_write_announced_before_it_is_visible_is_looked_for_again_at_once_not_at_the_poll()
    {
        // SQLite writes a commit to its log, then makes it visible: inotify can wake a watch in between.
        var (watcher, time, signal) = OpenOnCountingClock();
        await using var _ = watcher;
        await using var other = SqliteClusterStore.Open(StorePath);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var from = await watcher.CurrentRevisionAsync() + 1;
        await using var events = watcher.WatchAsync("/nodes/", from, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var first = events.MoveNextAsync().AsTask(); // reads nothing, then sleeps on its poll (timer 1)
        Assert.That(time.Timers, Is.EqualTo(1));

        // Another process wrote to the log (its time moves) and inotify says so, but the commit is not visible yet.
        File.SetLastWriteTimeUtc(StorePath + "-wal", DateTime.UtcNow.AddSeconds(1));
        signal.Fire();
        await Eventually.Until(() => time.Timers >= 2, TimeSpan.FromSeconds(10), "the watch to look again soon (timer 2), not at its poll an hour away");
        await other.PutAsync("/nodes/n3", Encoding.UTF8.GetBytes("up")); // now visible, and announced to nobody
        time.Advance(TimeSpan.FromSeconds(1)); // the look again, long before the poll

        Assert.That(await first.WaitAsync(cancel.Token), Is.True);
        Assert.That(events.Current.KeyValue.Key, Is.EqualTo("/nodes/n3"));
    }

    [Test]
    public async Task A_watch_woken_by_its_own_process_writes_looks_once_and_sets_no_timer()
    {
        // An idle node renews its lease four times a second: each renewal is a write to the log that wakes its
        // own watch, often more than once (an inotify event per write(2)); none may cost a look again.
        var (store, time, signal) = OpenOnCountingClock();
        await using var _ = store;
        var lease = await store.GrantLeaseAsync(TimeSpan.FromHours(1));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var from = await store.CurrentRevisionAsync() + 1;
        await using var events = store.WatchAsync("/nodes/", from, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var first = events.MoveNextAsync().AsTask();

        for (var i = 0; i < 5; i++)
        {
            Assert.That(await store.KeepAliveAsync(lease.Id), Is.True);
            signal.Fire();
            signal.Fire();
        }

        await store.PutAsync("/nodes/n1", Encoding.UTF8.GetBytes("up")); // ends the watch's wait: its own change
        Assert.That(await first.WaitAsync(cancel.Token), Is.True);
        Assert.That(time.Timers, Is.EqualTo(1), "only the watch's poll, an hour away");
    }

    [Test]
    public async Task The_log_signal_announces_another_process_write_but_not_this_process_own()
    {
        // inotify reports every write(2) to the log, this process's too: an idle node's four renewals a second
        // must not wake its own watches. Another connection's write must, even one whose event came while this
        // process was writing (and was dropped then).
        var signal = WalWriteSignal.Manual(StorePath);
        await using var store = SqliteClusterStore.Open(StorePath, new ClusterStoreOptions { LeaseSweepInterval = TimeSpan.Zero }, signal);
        await using var other = SqliteClusterStore.Open(StorePath, new ClusterStoreOptions { LeaseSweepInterval = TimeSpan.Zero }, walWrites: null);
        var lease = await store.GrantLeaseAsync(TimeSpan.FromHours(1));
        var before = signal.Announced;

        Assert.That(await store.KeepAliveAsync(lease.Id), Is.True);
        signal.LogEvent(); // the renewal's own events, handled after it
        signal.LogEvent();
        Assert.That(signal.Announced, Is.EqualTo(before), "its own write announced nothing");

        await other.PutAsync("/nodes/n2", Encoding.UTF8.GetBytes("up"));
        signal.LogEvent();
        Assert.That(signal.Announced, Is.EqualTo(before + 1), "another connection's write is announced");

        await other.PutAsync("/nodes/n3", Encoding.UTF8.GetBytes("up")); // its event lost in our next write's window
        Assert.That(await store.KeepAliveAsync(lease.Id), Is.True);
        Assert.That(signal.Announced, Is.EqualTo(before + 2), "a write that found others' commits before it announces them");
    }

    /// <summary>A store whose clock counts the timers made on it and whose log writes are announced only by <c>signal.Fire()</c>; its poll is an hour away.</summary>
    private (SqliteClusterStore Store, TimerCountingTimeProvider Time, WalWriteSignal Signal) OpenOnCountingClock()
    {
        var time = new TimerCountingTimeProvider();
        var signal = WalWriteSignal.Manual(StorePath);
        var store = SqliteClusterStore.Open(
            StorePath, new ClusterStoreOptions { TimeProvider = time, WatchSafetyPollInterval = TimeSpan.FromHours(1), LeaseSweepInterval = TimeSpan.Zero }, signal);
        return (store, time, signal);
    }

    [Test]
    public async Task A_failure_of_SQLite_underneath_leaves_the_store_as_its_own_error_naming_the_file()
    {
        await using var store = SqliteClusterStore.Open(StorePath, new ClusterStoreOptions { LeaseSweepInterval = TimeSpan.Zero });
        await store.PutAsync("/nodes/n1", Encoding.UTF8.GetBytes("up"));
        using (var vandal = new SqliteConnection($"Data Source={StorePath};Pooling=False"))
        {
            vandal.Open();
            using var drop = vandal.CreateCommand();
            drop.CommandText = "DROP TABLE kv";
            drop.ExecuteNonQuery();
        }

        var error = Assert.ThrowsAsync<ClusterStoreException>(async () => await store.GetAsync("/nodes/n1"));
        Assert.That(error!.Message, Does.Contain(StorePath).And.Contain("kv"));
        Assert.That(error.InnerException, Is.InstanceOf<SqliteException>());
    }

    [Test]
    public void A_store_that_cannot_be_opened_says_so_as_its_own_error()
    {
        Directory.CreateDirectory(StorePath); // a directory where the file should be

        var error = Assert.Throws<ClusterStoreException>(() => SqliteClusterStore.Open(StorePath));
        Assert.That(error!.Message, Does.Contain(StorePath).And.Contain("could not be opened"));
    }

    [Test]
    public async Task Background_sweeper_deletes_the_keys_of_an_expired_lease()
    {
        await using var store = SqliteClusterStore.Open(StorePath, new ClusterStoreOptions { LeaseSweepInterval = TimeSpan.FromMilliseconds(50) });

        await AssertSweptAsync(store);
    }

    [Test]
    public async Task Sweeper_that_slept_with_no_lease_wakes_for_a_lease_this_process_grants()
    {
        // Nothing to expire when it opens (its first look runs within Open): the sweeper sleeps its longest,
        // an hour here. The grant must wake it.
        await using var store = SqliteClusterStore.Open(StorePath, new ClusterStoreOptions { LeaseSweepInterval = TimeSpan.FromHours(1) });

        await AssertSweptAsync(store);
    }

    /// <summary>A key on a 300 ms lease that is never renewed: its delete event comes, well within 30 s.</summary>
    private static async Task AssertSweptAsync(SqliteClusterStore store)
    {
        var lease = (await store.GrantLeaseAsync(TimeSpan.FromMilliseconds(300))).Id;
        var written = await store.PutAsync("/nodes/n1", Encoding.UTF8.GetBytes("up"), lease);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await foreach (var item in store.WatchAsync("/nodes/", written + 1, cancel.Token))
        {
            Assert.That(item.Kind, Is.EqualTo(WatchEventKind.Delete));
            break;
        }
    }

    [Test]
    public async Task Writer_killed_mid_write_loses_no_acknowledged_put_and_leaves_the_file_intact()
    {
        var acknowledged = new ConcurrentQueue<string>();
        using var writer = new Process
        {
            StartInfo = new ProcessStartInfo(ClusterCli.ExecutablePath)
            {
                ArgumentList = { "bench", "store", "--writes", "1000000", "--print-commits", "--dir", _directory },
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            },
        };
        writer.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("committed ", StringComparison.Ordinal) == true)
            {
                acknowledged.Enqueue(e.Data.Split(' ')[1]);
            }
        };
        writer.Start();
        writer.BeginOutputReadLine();
        await Eventually.Until(() => acknowledged.Count >= 300, TimeSpan.FromSeconds(60), "300 acknowledged puts");

        writer.Kill(); // SIGKILL, mid-stream
        await writer.WaitForExitAsync();

        var path = Path.Combine(_directory, "bench-store.db");
        await using (var store = SqliteClusterStore.Open(path))
        {
            var keys = (await store.RangeAsync("/bench/")).Items.Select(i => i.Key).ToHashSet();
            Assert.That(acknowledged.Where(k => !keys.Contains(k)), Is.Empty, "every acknowledged put survived");
            Assert.That(await store.CurrentRevisionAsync(), Is.EqualTo(keys.Count), "no half-written transaction");
        }

        Assert.That(SqliteIntegrity.Check(path), Is.EqualTo("ok"));
    }
}

/// <summary>A fake clock that counts the timers made on it: a look into when a loop has gone to sleep.</summary>
internal sealed class TimerCountingTimeProvider : Microsoft.Extensions.Time.Testing.FakeTimeProvider
{
    private int _timers;

    public int Timers => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
