using Cluster.Rhs;

namespace Cluster.Tests.Rhs;

[TestFixture]
public sealed class InFlightCallsTests
{
    [Test]
    public void Snapshot_lists_calls_oldest_first_and_forgets_those_that_returned()
    {
        var calls = new InFlightCalls();
        using (calls.Enter("a", "Online"))
        {
            using var b = calls.Enter("b", "IsAlive");
            Assert.That(calls.Snapshot().Select(c => $"{c.Resource}.{c.EntryPoint}"), Is.EqualTo(new[] { "a.Online", "b.IsAlive" }));
        }

        Assert.That(calls.Snapshot(), Is.Empty);
    }

    [Test]
    public void Snapshot_taken_while_calls_begin_and_end_on_other_threads_is_always_whole()
    {
        // The health ping lists the calls from a pool thread while checks begin and end on others. A snapshot
        // once sized its array before copying into it: a call that ended in between left an empty entry, and
        // the RHS crashed on it (ArgumentNullException from the protobuf message); one that began, ArgumentException.
        var calls = new InFlightCalls();
        using var stop = new CancellationTokenSource();
        var churn = Enumerable.Range(0, 3).Select(i => Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var call = calls.Enter($"r{i}", "LooksAlive");
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            for (var i = 0; i < 200_000; i++)
            {
                foreach (var call in calls.Snapshot().ToList())
                {
                    Assert.That(call.Resource, Does.StartWith("r"));
                }
            }
        }
        finally
        {
            stop.Cancel();
            Task.WaitAll(churn);
        }
    }
}
