using System.Diagnostics;
using Cluster.Service.Cli;

namespace Cluster.Tests.Cli;

/// <summary>Waiting for a process that is not ours to exit, by its pidfd.</summary>
[TestFixture]
public sealed class ProcessExitTests
{
    [Test]
    public async Task A_process_that_exits_is_seen_to_and_one_that_runs_on_is_not()
    {
        using var quick = Process.Start("sleep", "0.2")!;
        using var slow = Process.Start("sleep", "60")!;
        try
        {
            Assert.That(await ProcessExit.WaitAsync(quick.Id, TimeSpan.FromSeconds(30)), Is.True);
            Assert.That(await ProcessExit.WaitAsync(slow.Id, TimeSpan.FromMilliseconds(200)), Is.False);
        }
        finally
        {
            slow.Kill();
        }
    }

    [Test]
    public async Task A_process_already_gone_counts_as_exited()
    {
        using var gone = Process.Start("true")!;
        await gone.WaitForExitAsync();

        Assert.That(await ProcessExit.WaitAsync(gone.Id, TimeSpan.FromSeconds(1)), Is.True);
    }
}
