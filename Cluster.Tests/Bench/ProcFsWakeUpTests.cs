using Cluster.Service.Bench;

namespace Cluster.Tests.Bench;

/// <summary>Wake-ups counted per thread: a thread that ends between two looks takes its count with it, never below zero.</summary>
[TestFixture]
public sealed class ProcFsWakeUpTests
{
    [Test]
    public void Wake_ups_between_two_looks_count_the_threads_alive_at_the_second()
    {
        var before = new Dictionary<int, long> { [1] = 100, [2] = 5_000 }; // thread 2 ends, thread 3 starts
        var after = new Dictionary<int, long> { [1] = 130, [3] = 7 };

        Assert.That(ProcFs.WakeUpsBetween(before, after), Is.EqualTo(37));
    }

    [Test]
    public void This_process_threads_are_counted_by_their_ids()
    {
        var counts = ProcFs.WakeUps(Environment.ProcessId);

        Assert.That(counts, Does.ContainKey(Environment.ProcessId), "the main thread's id is the process's");
        Assert.That(counts.Values, Has.All.GreaterThanOrEqualTo(0));
    }
}
