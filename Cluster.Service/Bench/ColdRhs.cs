using System.Diagnostics;
using Cluster.Service.Monitors;

namespace Cluster.Service.Bench;

/// <summary>
/// A cold RHS, as a node starts one when no warm standby is ready: from the call that execs it to
/// its handshake line, and to the first call it serves (a Ping), each trial a new process.
/// </summary>
internal static class ColdRhs
{
    public static async Task<(List<TimeSpan> Handshake, List<TimeSpan> FirstCall)> MeasureAsync(int trials, CancellationToken cancellationToken)
    {
        var options = new MonitorOptions();
        var handshake = new List<TimeSpan>();
        var firstCall = new List<TimeSpan>();
        for (var trial = 0; trial < trials && !cancellationToken.IsCancellationRequested; trial++)
        {
            var began = Stopwatch.GetTimestamp();
            var rhs = await RhsProcess.StartAsync(options, cancellationToken).ConfigureAwait(false);
            await using (rhs.ConfigureAwait(false))
            {
                handshake.Add(Stopwatch.GetElapsedTime(began));
                await rhs.Client.Ping(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                firstCall.Add(Stopwatch.GetElapsedTime(began));
            }
        }

        return (handshake, firstCall);
    }
}
