using Cluster.Contracts.Processes;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Node;

/// <summary>
/// Watches the node's long-running loops (membership, store watch, database feed, coordinator, RCM,
/// monitor events). A loop that faults, or ends while the node is not stopping, ends the node at once
/// with its cause on stderr and in the cluster log, and exit code <see cref="ExitCode"/>: a node whose
/// driver died must not live on half-dead. Its lease lapses, its RHS processes die with it (their
/// parent-death signal), and the cluster places its groups elsewhere.
/// </summary>
internal sealed partial class LoopSupervisor(ILogger logger, Action<string> clusterLog, CancellationToken stopping)
{
    /// <summary>EX_SOFTWARE: an internal error.</summary>
    public const int ExitCode = 70;

    public void Watch(string loop, Task task) =>
        _ = task.ContinueWith(t => Check(loop, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private void Check(string loop, Task task)
    {
        if (task.IsCompletedSuccessfully && stopping.IsCancellationRequested)
        {
            return; // the node is stopping: loops end
        }

        if (task.IsCanceled && stopping.IsCancellationRequested)
        {
            return;
        }

        var error = task.Exception?.InnerException;
        var cause = error is null
            ? $"the {loop} loop ended while the node was running"
            : $"the {loop} loop failed: {error.GetType().Name}: {error.Message}";
        LogLoopFailed(logger, error, loop);
        clusterLog($"{cause}; the node ends itself (exit code {ExitCode}) rather than live on half-dead");
        Console.Error.WriteLine($"FATAL: {cause}{Environment.NewLine}{error}");
        Console.Error.Flush();
        ParentDeath.Exit(ExitCode); // at once: its children die with it, its lease lapses
    }

    [LoggerMessage(EventId = 70, Level = LogLevel.Critical, Message = "The {Loop} loop failed; the node ends itself")]
    private static partial void LogLoopFailed(ILogger logger, Exception? exception, string loop);
}
