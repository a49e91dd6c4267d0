using System.Diagnostics;

namespace Cluster.Rhs;

/// <summary>
/// The RHS as its node's watchdog (Pacemaker's SBD idea): the node pets it only while its lease is
/// certainly alive, saying for how long. If no pet moves that deadline on in time, the node is frozen,
/// cut off from the store or wedged, and cannot fence itself; so this RHS does it for it: it exits at
/// once, and the kernel ends every application tree it started (their parent-death signal).
/// Disarmed until the first pet, so an RHS of a node without membership (tests, benchmarks) never fences.
/// A thread of its own, not a timer: a late fence is no fence.
/// </summary>
internal sealed class FenceWatchdog
{
    private readonly object _lock = new(); // Monitor.Wait/Pulse wakes the watchdog on a pet
    private readonly Action<string> _fence;
    private long _deadline; // Stopwatch timestamp; 0: not armed

    public FenceWatchdog(Action<string> fence)
    {
        _fence = fence;
        new Thread(Watch) { IsBackground = true, Name = "fence-watchdog", Priority = ThreadPriority.Highest }.Start();
    }

    /// <summary>The node's lease is alive for <paramref name="validFor"/> more, counted from now.</summary>
    public void Pet(TimeSpan validFor)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(validFor.TotalSeconds * Stopwatch.Frequency);
        lock (_lock)
        {
            _deadline = Math.Max(_deadline, deadline);
            Monitor.PulseAll(_lock);
        }
    }

    private void Watch()
    {
        long armedAt;
        lock (_lock)
        {
            while (_deadline == 0 || Stopwatch.GetTimestamp() < _deadline)
            {
                var wait = _deadline == 0 ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline);
                Monitor.Wait(_lock, wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : wait); // infinite is negative too: never a busy loop
            }

            armedAt = _deadline;
        }

        var late = Stopwatch.GetElapsedTime(armedAt);
        _fence($"no pet from the node before its lease's safe end ({late.TotalMilliseconds:0} ms ago): fencing, every application ends with this RHS");
    }
}
