using Cluster.Rhs;
using Cluster.Tests.Support;

namespace Cluster.Tests.Rhs;

/// <summary>The RHS's entry-point threads: reused between calls, never shared by two, one more whenever all are busy.</summary>
[TestFixture]
public sealed class EntryPointWorkersTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Calls_one_after_another_reuse_one_thread()
    {
        var workers = new EntryPointWorkers(TimeSpan.FromMinutes(1));
        var threads = new HashSet<int>();

        for (var i = 0; i < 20; i++)
        {
            threads.Add(await workers.RunAsync(() => Environment.CurrentManagedThreadId).WaitAsync(Patience));
            await Eventually.Until(() => workers.Idle == 1, Patience, "the worker to be idle again");
        }

        Assert.That(threads, Has.Count.EqualTo(1));
        Assert.That(workers.Threads, Is.EqualTo(1));
        Assert.That(threads.Single(), Is.Not.EqualTo(Environment.CurrentManagedThreadId));
    }

    [Test]
    public async Task A_call_that_hangs_holds_only_its_own_thread()
    {
        var workers = new EntryPointWorkers(TimeSpan.FromMinutes(1));
        using var release = new ManualResetEventSlim();
        var hung = workers.RunAsync(() => release.Wait(Timeout.Infinite));

        var next = await workers.RunAsync(() => Environment.CurrentManagedThreadId).WaitAsync(Patience);

        Assert.That(hung.IsCompleted, Is.False);
        Assert.That(workers.Threads, Is.EqualTo(2));
        release.Set();
        Assert.That(await hung.WaitAsync(Patience), Is.True);
        Assert.That(next, Is.Not.EqualTo(Environment.CurrentManagedThreadId));
    }

    [Test]
    public async Task What_an_entry_point_throws_reaches_its_caller_and_the_thread_carries_on()
    {
        var workers = new EntryPointWorkers(TimeSpan.FromMinutes(1));

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => workers.RunAsync<int>(() => throw new InvalidOperationException("DLL bug")));
        Assert.That(error!.Message, Is.EqualTo("DLL bug"));
        await Eventually.Until(() => workers.Idle == 1, Patience, "the worker to be idle again");

        Assert.That(await workers.RunAsync(() => 42).WaitAsync(Patience), Is.EqualTo(42));
        Assert.That(workers.Threads, Is.EqualTo(1));
    }

    [Test]
    public async Task Threads_idle_for_the_idle_timeout_end()
    {
        var workers = new EntryPointWorkers(TimeSpan.FromMilliseconds(100));
        using var release = new ManualResetEventSlim();
        var calls = Enumerable.Range(0, 3).Select(_ => workers.RunAsync(() => release.Wait(Timeout.Infinite))).ToList();
        await Eventually.Until(() => workers.Threads == 3, Patience, "three busy threads");

        release.Set();
        await Task.WhenAll(calls).WaitAsync(Patience);

        await Eventually.Until(() => workers.Threads == 0, Patience, "the idle threads to end");
        Assert.That(workers.Idle, Is.Zero);
        Assert.That(await workers.RunAsync(() => 7).WaitAsync(Patience), Is.EqualTo(7), "a thread starts again when needed");
    }
}
