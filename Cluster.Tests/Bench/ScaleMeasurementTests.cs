using Cluster.Service.Bench;

namespace Cluster.Tests.Bench;

/// <summary>What `bench scale` counts from /proc: wake-ups per thread (a thread that ends takes its count with it, never below zero), and a window an RHS did not live through.</summary>
[TestFixture]
public sealed class ScaleMeasurementTests
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

    [Test]
    public async Task A_scale_row_whose_rhs_ended_during_its_window_is_marked_void()
    {
        using var ended = System.Diagnostics.Process.Start("sleep", "60")!;
        ended.Kill();
        await ended.WaitForExitAsync();

        Assert.That(ScaleBenchmark.EndedDuringWindow([Environment.ProcessId], "/logs"), Is.Null, "every process still runs");
        Assert.That(ScaleBenchmark.EndedDuringWindow([Environment.ProcessId, ended.Id], "/logs"),
            Does.Contain($"RHS process {ended.Id} ended during the window: the row above does not hold").And.Contain("/logs"));
    }
}
