using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Node;

/// <summary>
/// What a node does on SIGHUP, whose default action ends a process at once and without a word. The kernel
/// sends it when the node's terminal hangs up, and, followed by SIGCONT, to a frozen node whose process group
/// has just been orphaned (the shell that started its parent exited while the node was stopped). A node run
/// by hand stops as for Ctrl-C: its terminal is gone. A node with a parent (`cluster up`, `node start`, a
/// test or benchmark), or let go by one, carries on: its life is its parent's, or `cluster down`'s, to end.
/// Either way it says so.
/// </summary>
internal static partial class HangUp
{
    /// <param name="hasParent">Started by a parent (--exit-with-parent), whether or not it has let the node go since.</param>
    /// <param name="stop">Cancelled when a node run by hand is to stop.</param>
    /// <param name="logger">Where the node says what it did.</param>
    public static PosixSignalRegistration Handle(bool hasParent, CancellationTokenSource stop, ILogger logger) =>
        PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            if (hasParent)
            {
                LogIgnored(logger);
            }
            else
            {
                LogStopping(logger);
                stop.Cancel();
            }
        });

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning,
        Message = "SIGHUP ignored: this node's life is its parent's to end (`cluster down` once it is let go); a frozen node gets one when its process group is orphaned")]
    private static partial void LogIgnored(ILogger logger);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "SIGHUP: the terminal hung up; the node stops")]
    private static partial void LogStopping(ILogger logger);
}
