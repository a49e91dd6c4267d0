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
    private readonly object _lock = new(); // Monitor.Wait/Pulse wakes the watchdog when the first pet arms it
    private readonly Action<string> _fence;
    private long _deadline; // Stopwatch timestamp; 0: not armed
    private long _lease; // the lease the last pet vouched for
    private long _vouchedUntil; // Stopwatch timestamp: until when _lease is vouched for

    public FenceWatchdog(Action<string> fence)
    {
        _fence = fence;
        new Thread(Watch) { IsBackground = true, Name = "fence-watchdog", Priority = ThreadPriority.Highest }.Start();
    }

    /// <summary>The node's lease <paramref name="lease"/> is alive for <paramref name="validFor"/> more, counted from now.</summary>
    public void Pet(TimeSpan validFor, long lease)
    {
        var until = Stopwatch.GetTimestamp() + (long)(validFor.TotalSeconds * Stopwatch.Frequency);
        lock (_lock)
        {
            var arming = _deadline == 0;
            _deadline = Math.Max(_deadline, until); // the watchdog's deadline never moves back
            _vouchedUntil = lease == _lease ? Math.Max(_vouchedUntil, until) : until; // a new lease: the old one is vouched for no more
            _lease = lease;
            if (arming)
            {
                // Later pets only move the deadline on: the watchdog finds that when it wakes at the old one,
                // so a pet several times a second costs it no wake-up.
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>
    /// Whether a start decided under <paramref name="lease"/> may happen now (a fencing token): the last pet
    /// vouched for that very lease and has not run out. Lease 0 is a start not bound to one.
    /// </summary>
    public bool Vouches(long lease, out string why)
    {
        lock (_lock)
        {
            why = lease == 0 ? ""
                : _deadline == 0 ? "this RHS has not been petted yet"
                : _lease != lease ? $"this RHS was last petted under lease {_lease}"
                : Stopwatch.GetTimestamp() >= _vouchedUntil ? "its last pet has run out"
                : "";
            return why.Length == 0;
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
