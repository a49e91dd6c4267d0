using System.Diagnostics;

namespace Cluster.Rhs;

/// <summary>
/// Health checks run one after another on a worker thread rather than each handed to a thread of its
/// own: the checks that fall due together (the scheduler wakes for them in batches) cost one hand-over,
/// not one each; at a thousand resources that is most of what a check costs. A check that hangs must
/// still hold only its own thread: when every thread draining the queue has been inside one check for
/// longer than <see cref="Patience"/>, the next check queued starts another. So a check queued behind a
/// hung one waits until the next check falls due, once; the hung one is caught by the node from the
/// calls in flight, as before.
/// </summary>
internal sealed class CheckQueue(EntryPointWorkers workers, TimeSpan patience)
{
    private readonly Lock _lock = new();
    private readonly Queue<Action> _queue = new();
    private readonly List<Drainer> _drainers = [];

    public TimeSpan Patience { get; } = patience;

    /// <summary>Threads draining the queue now (each busy with a check, or about to be).</summary>
    public int Draining
    {
        get
        {
            lock (_lock)
            {
                return _drainers.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="check"/>; it must not throw (an exception ends the process, loudly).</summary>
    public void Run(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        Drainer? started = null;
        lock (_lock)
        {
            _queue.Enqueue(check);
            if (_drainers.TrueForAll(IsStuck))
            {
                started = new Drainer(this);
                _drainers.Add(started);
            }
        }

        if (started is not null)
        {
            workers.Run(started.Drain);
        }
    }

    /// <summary>Under <see cref="_lock"/>: in one check for longer than the patience (none is stuck between checks).</summary>
    private bool IsStuck(Drainer drainer) =>
        drainer.BusySince != 0 && Stopwatch.GetElapsedTime(drainer.BusySince) > Patience;

    private sealed class Drainer(CheckQueue queue)
    {
        /// <summary>Stopwatch timestamp when its current check began; 0 between checks. Under the queue's lock.</summary>
        public long BusySince { get; private set; }

        public void Drain()
        {
            while (true)
            {
                Action check;
                lock (queue._lock)
                {
                    BusySince = 0;
                    if (!queue._queue.TryDequeue(out check!))
                    {
                        queue._drainers.Remove(this);
                        return;
                    }

                    BusySince = Stopwatch.GetTimestamp();
                }

                check();
            }
        }
    }
}
