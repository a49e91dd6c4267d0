using System.Diagnostics;
using Cluster.Service;
using Cluster.Service.Cli;

namespace Cluster.Tests.Cli;

/// <summary>A process that is not ours, held by its pidfd: its exit, and signals that reach it and no other.</summary>
[TestFixture]
public sealed class ProcessHandleTests
{
    [Test]
    public async Task A_process_that_exits_is_seen_to_and_one_that_runs_on_is_not()
    {
        using var quick = Process.Start("sleep", "0.2")!;
        using var slow = Process.Start("sleep", "60")!;
        using var quickHandle = ProcessHandle.Open(quick.Id)!;
        using var slowHandle = ProcessHandle.Open(slow.Id)!;
        try
        {
            Assert.That(await quickHandle.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.True);
            Assert.That(await slowHandle.WaitForExitAsync(TimeSpan.FromMilliseconds(200)), Is.False);
        }
        finally
        {
            slow.Kill();
        }
    }

    [Test]
    public async Task A_process_already_gone_has_no_handle()
    {
        using var gone = Process.Start("true")!;
        await gone.WaitForExitAsync();

        Assert.That(ProcessHandle.Open(gone.Id), Is.Null, "a caller treats it as not running");
    }

    [Test]
    public async Task A_signal_through_the_handle_reaches_its_process_and_after_its_exit_reaches_none()
    {
        using var sleeper = Process.Start("sleep", "60")!;
        using var handle = ProcessHandle.Open(sleeper.Id)!;

        Assert.That(handle.HasExited, Is.False);
        Assert.That(handle.Signal(15), Is.True);
        Assert.That(await handle.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.True);
        await sleeper.WaitForExitAsync(); // reaped: its PID is free for reuse now, the handle still means the old process

        Assert.That(handle.HasExited, Is.True);
        Assert.That(handle.Signal(15), Is.False, "a signal to a process that has exited is not sent anywhere");
        Assert.That(ProcessHandle.Open(sleeper.Id), Is.Null, "no process has the PID yet");
    }

    [Test]
    public void A_node_record_whose_pid_is_another_process_is_not_a_running_node()
    {
        var record = new NodeRecord("n1", Environment.ProcessId, "http://127.0.0.1:1", DateTimeOffset.UtcNow);

        Assert.That(NodeLauncher.OpenRunning(record), Is.Null, "the test runner is not `cluster node run --name n1`");
    }
}
