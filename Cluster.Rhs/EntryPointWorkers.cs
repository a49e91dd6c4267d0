namespace Cluster.Rhs;

/// <summary>
/// The threads entry points run on. Every call still has a thread to itself, as in WSFC's RHS: a DLL
/// that hangs holds that one thread forever, a new call never waits for a free one (a thread starts
/// when none is idle), and the thread pool that serves gRPC is never starved. But a thread that
/// finished a call is kept for the next one, so a health check costs a hand-over, not a thread start.
/// A thread idle for <see cref="IdleTimeout"/> ends.
/// </summary>
internal sealed class EntryPointWorkers
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Worker> _idle = []; // the most recently idle last: it is taken first, the others age out
    private int _started;

    public EntryPointWorkers(TimeSpan idleTimeout) => IdleTimeout = idleTimeout;

    /// <summary>The workers every resource of this process shares.</summary>
    public static EntryPointWorkers Shared { get; } = new(TimeSpan.FromSeconds(30));

    public TimeSpan IdleTimeout { get; }

    /// <summary>Threads alive now, busy or idle.</summary>
    public int Threads => Volatile.Read(ref _started);

    /// <summary>Threads waiting for work now.</summary>
    public int Idle
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> on a worker thread; it must not throw (an exception ends the process, loudly).</summary>
    public void Run(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Worker? worker = null;
        lock (_lock)
        {
            if (_idle.Last is { } last)
            {
                worker = last.Value;
                _idle.RemoveLast();
            }
        }

        if (worker is null)
        {
            Interlocked.Increment(ref _started);
            new Worker(this).Start(work);
        }
        else
        {
            worker.Assign(work);
        }
    }

    /// <summary>Runs an entry point on a worker thread; its result or exception completes the task.</summary>
    public Task<T> RunAsync<T>(Func<T> entryPoint)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Run(() =>
        {
            try
            {
                result.SetResult(entryPoint());
            }
            catch (Exception e) // whatever a DLL throws is the caller's to see, never the worker's end
            {
                result.SetException(e);
            }
        });
        return result.Task;
    }

    private sealed class Worker(EntryPointWorkers pool) : IDisposable
    {
        // No spinning before it sleeps: at a thousand checks a second, spinning costs more than the checks.
        private readonly ManualResetEventSlim _assigned = new(false, spinCount: 0);
        private Action? _next;

        public void Start(Action first)
        {
            _next = first;
            new Thread(Loop) { IsBackground = true, Name = "entry point" }.Start();
        }

        public void Dispose() => _assigned.Dispose();

        public void Assign(Action work)
        {
            _next = work;
            _assigned.Set();
        }

        private void Loop()
        {
            while (true)
            {
                var work = Interlocked.Exchange(ref _next, null)!;
                work();
                LinkedListNode<Worker> node;
                lock (pool._lock)
                {
                    node = pool._idle.AddLast(this);
                }

                if (_assigned.Wait(pool.IdleTimeout))
                {
                    _assigned.Reset();
                    continue;
                }

                lock (pool._lock)
                {
                    if (node.List is not null)
                    {
                        // Still idle: nobody can assign this worker any more.
                        pool._idle.Remove(node);
                        Interlocked.Decrement(ref pool._started);
                        Dispose();
                        return;
                    }
                }

                _assigned.Wait(); // taken just as it timed out: its work is on the way
                _assigned.Reset();
            }
        }
    }
}
