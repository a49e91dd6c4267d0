using Cluster.Protocol.Admin.V1;
using Cluster.Service.Feeds;
using Cluster.Service.Trace;

namespace Cluster.Tests.Trace;

public class TraceLogTests
{
    private static CallRecord At(long unixUs, string method = "/cluster.rhs.v1.ResourceHost/Ping") =>
        new() { Kind = "call", TimeUnixUs = unixUs, Method = method, Status = "OK" };

    [Test]
    public void Records_are_numbered_in_order_and_stamped_with_the_node()
    {
        var log = new TraceLog("n1", capacity: 10);
        log.Add(At(1));
        log.Add(At(2));

        using var all = log.Subscribe(afterSequence: 0, sinceUnixUs: 0, follow: false);
        Assert.That(all.Backlog.Select(r => (r.Sequence, r.Node)), Is.EqualTo(new[] { (1L, "n1"), (2L, "n1") }));
        Assert.That(all.Live, Is.Null);
    }

    [Test]
    public void Ring_keeps_the_newest_records_when_full()
    {
        var log = new TraceLog("n1", capacity: 3);
        for (var i = 1; i <= 7; i++)
        {
            log.Add(At(i));
        }

        using var all = log.Subscribe(0, 0, follow: false);
        Assert.That(all.Backlog.Select(r => r.Sequence), Is.EqualTo(new long[] { 5, 6, 7 }));
    }

    [Test]
    public void Since_and_after_sequence_select_the_backlog()
    {
        var log = new TraceLog("n1", capacity: 10);
        for (var i = 1; i <= 5; i++)
        {
            log.Add(At(i * 100));
        }

        using var since = log.Subscribe(0, sinceUnixUs: 300, follow: false);
        using var after = log.Subscribe(afterSequence: 4, sinceUnixUs: 0, follow: false);
        Assert.Multiple(() =>
        {
            Assert.That(since.Backlog.Select(r => r.TimeUnixUs), Is.EqualTo(new long[] { 300, 400, 500 }));
            Assert.That(after.Backlog.Select(r => r.Sequence), Is.EqualTo(new long[] { 5 }));
        });
    }

    [Test]
    public async Task Follow_gets_the_backlog_then_every_new_record_with_nothing_lost_or_repeated()
    {
        var log = new TraceLog("n1", capacity: 100);
        log.Add(At(1));
        using var subscription = log.Subscribe(0, 0, follow: true);
        log.Add(At(2));
        log.Add(At(3));

        var live = new List<long>();
        while (live.Count < 2)
        {
            live.Add((await subscription.Live!.ReadAsync()).Sequence);
        }

        Assert.That(subscription.Backlog.Select(r => r.Sequence).Concat(live), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public async Task A_subscriber_that_falls_behind_is_dropped_and_adding_never_waits_for_it()
    {
        var log = new TraceLog("n1", capacity: 100);
        using var slow = log.Subscribe(0, 0, follow: true);
        using var other = log.Subscribe(0, 0, follow: true);

        for (var i = 1; i <= TraceLog.SubscriberBuffer + 10; i++)
        {
            log.Add(At(i)); // would block here if a full subscriber could hold the node up
            if (i % 100 == 0)
            {
                while (other.Live!.TryRead(out _))
                {
                }
            }
        }

        var delivered = 0;
        var error = Assert.ThrowsAsync<FeedSubscriberDroppedException>(async () =>
        {
            await foreach (var _ in slow.Live!.ReadAllAsync())
            {
                delivered++;
            }
        });
        Assert.Multiple(() =>
        {
            Assert.That(delivered, Is.EqualTo(TraceLog.SubscriberBuffer), "what it was given before it was dropped");
            Assert.That(error!.Message, Does.Contain("fell 4096 records behind node n1's trace"));
            Assert.That(other.Live!.Completion.IsCompleted, Is.False, "a subscriber that keeps up stays subscribed");
        });
        await Task.CompletedTask;
    }

    [Test]
    public void Disposed_subscription_gets_no_more_records()
    {
        var log = new TraceLog("n1", capacity: 10);
        var subscription = log.Subscribe(0, 0, follow: true);
        subscription.Dispose();
        log.Add(At(1));

        Assert.That(subscription.Live!.Completion.IsCompleted, Is.True);
        Assert.That(subscription.Live.TryRead(out _), Is.False);
    }

    [Test]
    public void A_node_started_again_serves_what_it_recorded_before_then_numbers_on()
    {
        var written = new List<long>();
        var log = new TraceLog("n1", capacity: 3, onAdded: r => written.Add(r.Sequence));
        log.Seed([At(1), At(2)]);
        log.Add(At(3));
        log.Add(At(4));

        using var all = log.Subscribe(0, 0, follow: false);
        Assert.Multiple(() =>
        {
            Assert.That(all.Backlog.Select(r => (r.Sequence, r.TimeUnixUs)), Is.EqualTo(new[] { (2L, 2L), (3L, 3L), (4L, 4L) }));
            Assert.That(written, Is.EqualTo(new long[] { 3, 4 }), "what was seeded is on disk already");
            Assert.Throws<InvalidOperationException>(() => log.Seed([At(9)]));
        });
    }

    [Test]
    public void Capacity_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TraceLog("n1", 0));
}
