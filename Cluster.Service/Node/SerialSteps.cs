namespace Cluster.Service.Node;

/// <summary>
/// Runs asynchronous steps one after another, in the order they were given, each after the previous
/// one has finished: so that a fence and the unfence that follows it can never overtake each other.
/// </summary>
internal sealed class SerialSteps(Action afterEach, Action<Exception> onFault)
{
    private readonly Lock _lock = new();
    private Task _tail = Task.CompletedTask;

    public void Then(Func<Task> step)
    {
        lock (_lock)
        {
            _tail = _tail.ContinueWith(async _ =>
            {
                try
                {
                    await step().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    onFault(e);
                }

                afterEach();
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }
}
