namespace Cluster.Rhs;

/// <summary>
/// Runs an entry point on a thread of its own, as WSFC's RHS does: a DLL that hangs holds a real
/// thread forever, and the thread pool that serves gRPC (and the health ping) is never starved by it.
/// </summary>
internal static class EntryPointThread
{
    public static Task<T> Run<T>(string name, Func<T> entryPoint)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(entryPoint());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return result.Task;
    }
}
