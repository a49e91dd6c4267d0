namespace Cluster.Service.Store;

/// <summary>
/// A wake-up any number of loops can wait for: <see cref="Next"/> completes at the next <see cref="Fire"/>
/// after it was read, which puts a fresh one in its place. No lock, and a fire nobody waits for costs nothing.
/// </summary>
internal sealed class WakeUp
{
    private TaskCompletionSource _next = New();

    public Task Next => Volatile.Read(ref _next).Task;

    public void Fire() => Interlocked.Exchange(ref _next, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
