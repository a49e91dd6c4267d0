using System.Collections.Concurrent;
using Cluster.Rhs;
using Cluster.Tests.Support;

namespace Cluster.Tests.Rhs;

/// <summary>Health checks run in turn on one worker thread; a hung one holds only its own.</summary>
[TestFixture]
public sealed class CheckQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Checks_queued_together_run_in_order_on_one_worker_thread()
    {
        var workers = new EntryPointWorkers(TimeSpan.FromMinutes(1));
        var queue = new CheckQueue(workers, TimeSpan.FromSeconds(10));
        using var first = new ManualResetEventSlim();
        var ran = new ConcurrentQueue<(int Check, int Thread)>();

        queue.Run(() => { first.Wait(Patience); ran.Enqueue((0, Environment.CurrentManagedThreadId)); });
        for (var i = 1; i < 10; i++)
        {
            var check = i;
            queue.Run(() => ran.Enqueue((check, Environment.CurrentManagedThreadId)));
        }

        first.Set();
        await Eventually.Until(() => ran.Count == 10, Patience, "the ten checks");
        Assert.That(ran.Select(r => r.Check), Is.EqualTo(Enumerable.Range(0, 10)), "in the order queued");
        Assert.That(ran.Select(r => r.Thread).Distinct().Count(), Is.EqualTo(1), "one hand-over for them all");
        Assert.That(workers.Threads, Is.EqualTo(1));
        await Eventually.Until(() => queue.Draining == 0, Patience, "the queue drained");
    }

    [Test]
    public async Task A_check_that_hangs_past_the_patience_holds_only_its_own_thread()
    {
        var workers = new EntryPointWorkers(TimeSpan.FromMinutes(1));
        var queue = new CheckQueue(workers, TimeSpan.FromMilliseconds(50));
        using var release = new ManualResetEventSlim();
        using var hanging = new ManualResetEventSlim();
        var hungThread = 0;
        queue.Run(() => { hungThread = Environment.CurrentManagedThreadId; hanging.Set(); release.Wait(Patience); });
        Assert.That(hanging.Wait(Patience), Is.True);

        // Queued within the patience, a check waits behind the hung one; the next one queued after it starts a thread.
        var ran = new ConcurrentDictionary<string, int>();
        await Eventually.Until(() =>
        {
            queue.Run(() => ran.TryAdd("later", Environment.CurrentManagedThreadId));
            return ran.ContainsKey("later");
        }, Patience, "a check queued behind the hung one to run");

        Assert.That(ran["later"], Is.Not.EqualTo(hungThread));
        Assert.That(workers.Threads, Is.EqualTo(2));
        release.Set();
        await Eventually.Until(() => queue.Draining == 0, Patience, "both threads done");
    }

    [Test]
    public async Task A_slow_check_within_the_patience_starts_no_thread()
    {
        var workers = new EntryPointWorkers(TimeSpan.FromMinutes(1));
        var queue = new CheckQueue(workers, TimeSpan.FromSeconds(10));
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var done = 0;
        queue.Run(() => { started.Set(); release.Wait(Patience); Interlocked.Increment(ref done); });
        Assert.That(started.Wait(Patience), Is.True);

        queue.Run(() => Interlocked.Increment(ref done));
        Assert.That(queue.Draining, Is.EqualTo(1));
        Assert.That(workers.Threads, Is.EqualTo(1));

        release.Set();
        await Eventually.Until(() => Volatile.Read(ref done) == 2, Patience, "both checks");
    }
}
