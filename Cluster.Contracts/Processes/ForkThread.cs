using System.Diagnostics;

namespace Cluster.Contracts.Processes;

/// <summary>
/// Starts child processes on one long-lived thread. Linux ties a child's parent-death signal to the
/// thread that forked it, not to the process: a child started on a passing thread-pool thread would be
/// killed when that thread retires. Every start that relies on the signal goes through here.
/// </summary>
public static class ForkThread
{
    private static readonly System.Collections.Concurrent.BlockingCollection<Action> s_work = [];

    static ForkThread()
    {
        new Thread(() =>
        {
            foreach (var work in s_work.GetConsumingEnumerable())
            {
                work();
            }
        })
        {
            IsBackground = true,
            Name = "fork-thread",
        }.Start();
    }

    /// <summary>Starts the process on the fork thread; throws what Process.Start throws.</summary>
    public static Process Start(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        var result = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s_work.Add(() =>
        {
            try
            {
                if (!process.Start())
                {
                    throw new InvalidOperationException($"{process.StartInfo.FileName} did not start.");
                }

                result.SetResult();
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        });
        result.Task.GetAwaiter().GetResult();
        return process;
    }
}
