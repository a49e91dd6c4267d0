using Cluster.Protocol.Config.V1;
using Cluster.Service.Database;
using Cluster.Service.Store;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Membership;

/// <summary>
/// The node's membership (WSFC's Node Manager): it registers the node, keeps a lease alive with its
/// member key on it, and fences the node when it cannot: if no renewal has succeeded for
/// LeaseTtl - FenceMargin since the last one was sent, <see cref="OnFenced"/> stops the node's groups,
/// before the lease can have lapsed anywhere else (the store measures the TTL from a renewal's arrival,
/// which is after it was sent). A fenced node keeps trying; once it renews or joins again it is alive.
/// </summary>
internal sealed partial class NodeMembership : IDisposable
{
    private readonly IClusterStore store;
    private readonly Member member;
    private readonly MembershipOptions options;
    private readonly ILogger logger;
    private readonly object _lock = new(); // Monitor.Wait/Pulse wakes the watchdog when its window appears or goes
    private readonly Thread _watchdog;
    private readonly TimeProvider _clock;
    private readonly long _epoch;
    private LeaseWindow? _window; // under _lock; null: not alive
    private bool _disposed;

    /// <summary>
    /// The fencing watchdog is a thread of its own, not a timer: under thread-pool starvation a timer
    /// callback can be late, and a late fence is no fence.
    /// </summary>
    public NodeMembership(IClusterStore store, Member member, MembershipOptions options, ILogger logger)
    {
        this.store = store;
        this.member = member;
        this.options = options;
        this.logger = logger;
        _clock = options.TimeProvider;
        _epoch = _clock.GetTimestamp();
        _watchdog = new Thread(Watch) { IsBackground = true, Name = "fence-watchdog", Priority = ThreadPriority.AboveNormal };
        _watchdog.Start();
    }

    /// <summary>
    /// Called when the node must stop its groups: its lease may lapse. It and <see cref="OnAlive"/> are
    /// called under the membership's lock, strictly in the order of the transitions, so they must only
    /// queue the work (a fence and the unfence after it must never overtake each other).
    /// </summary>
    public Action? OnFenced { get; init; }

    /// <summary>
    /// Called after every successful renewal with the lease and how long the node's RHS watchdogs may wait for the
    /// next pet: until half the fence margin after the node's own fence point (sent + TTL - margin),
    /// so that an RHS, which hears of a renewal a little after the node, does not fence a node that
    /// did not; and still half the margin before the lease can lapse anywhere (sent + TTL).
    /// </summary>
    public Action<TimeSpan, long>? OnRenewed { get; init; }

    /// <summary>Called when the node is alive again after a fence, or first joins.</summary>
    public Action? OnAlive { get; init; }

    public long Lease { get; private set; }

    /// <summary>The TTL the store granted the lease: the window each renewal buys (at least <see cref="MembershipOptions.LeaseTtl"/>).</summary>
    public TimeSpan GrantedTtl { get; private set; }

    /// <summary>Whether the node may act on its groups: its lease is certainly alive.</summary>
    public bool IsAlive
    {
        get
        {
            lock (_lock)
            {
                return _window?.Alive(Now) == true;
            }
        }
    }

    /// <summary>Whether <paramref name="lease"/> (0: whichever the node holds) is the node's lease and certainly alive.</summary>
    public bool IsAliveUnder(long lease)
    {
        lock (_lock)
        {
            return _window?.Alive(Now) == true && (lease == 0 || lease == Lease);
        }
    }

    /// <summary>
    /// Renews the lease until <paramref name="stopping"/>, on a thread of its own like the watchdog: the renewal
    /// is the node's most frequent job, and as a timer callback each one woke the runtime's timer thread and
    /// one or two thread-pool workers besides (about a third of an idle node's wake-ups). The thread sleeps to
    /// the next tick, renews, and pets the RHS processes in place. Waits are measured on <see cref="MembershipOptions.TimeProvider"/>
    /// and slept in real time, as the watchdog's are.
    /// </summary>
    /// <returns>Completes when renewing has stopped; faults if the loop failed unexpectedly.</returns>
    public Task RunAsync(CancellationToken stopping)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Renew(stopping);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e); // the node's supervisor ends the process loudly
            }
        })
        {
            IsBackground = true,
            Name = "lease-renewal",
        };
        thread.Start();
        return done.Task;
    }

    private void Renew(CancellationToken stopping)
    {
        var retry = options.RetryInterval < options.RenewInterval ? options.RetryInterval : options.RenewInterval;
        string? lastError = null; // logged when it changes: a cut-off node retries ten times a second
        var next = Now; // the tick schedule, as a periodic timer keeps it: renewals do not drift by their own duration
        while (!stopping.IsCancellationRequested)
        {
            var sent = Now;
            var failed = false;
            try
            {
                // The store's calls complete in place when they can (SQLite); this thread is ours to block.
                var renewed = Lease != 0 && store.KeepAliveAsync(Lease, stopping).GetAwaiter().GetResult();
                if (!renewed)
                {
                    sent = Now;
                    JoinAsync(stopping).GetAwaiter().GetResult();
                }

                Renewed(sent);
                lastError = null;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (ClusterStoreException e)
            {
                failed = true;
                if (e.Message != lastError)
                {
                    LogRenewFailed(logger, member.Name, e.Message);
                    lastError = e.Message;
                }
            }

            // A failure is tried again soon rather than at the next tick: every try before the fence point counts.
            // A tick missed while renewing (a slow store) is made up at once, once.
            var now = Now;
            next = failed ? now + retry : next + options.RenewInterval > now ? next + options.RenewInterval : now;
            if (stopping.WaitHandle.WaitOne(next - now))
            {
                break;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>A new lease, the node's record if it has none, and its member key on the lease.</summary>
    private async Task JoinAsync(CancellationToken cancellationToken)
    {
        var grant = await store.GrantLeaseAsync(options.LeaseTtl, cancellationToken).ConfigureAwait(false);
        (Lease, GrantedTtl) = (grant.Id, grant.Ttl);
        var nodeKey = ConfigurationKeys.Nodes + member.Name;
        await store.TransactAsync(
            new Transaction
            {
                Compares = [Compare.Absent(nodeKey)],
                Success = [StoreOperation.Put(nodeKey, new Protocol.Config.V1.Node { Name = member.Name }.ToByteArray())],
            },
            cancellationToken).ConfigureAwait(false);
        member.Lease = Lease;
        await store.PutAsync(ConfigurationKeys.Members + member.Name, member.ToByteArray(), Lease, cancellationToken).ConfigureAwait(false);
        LogJoined(logger, member.Name, Lease, GrantedTtl.TotalMilliseconds);
    }

    private void Renewed(TimeSpan sent)
    {
        var window = LeaseWindow.After(sent, GrantedTtl, options.FenceMargin);
        lock (_lock)
        {
            var wasAlive = _window?.Alive(Now) == true;
            var waiting = _window is null; // the watchdog waits without end only then
            _window = window;
            if (waiting)
            {
                // A renewal only moves the safe end on (sent times only grow): the watchdog finds that when it
                // wakes at the old one, so renewals several times a second cost it no wake-up.
                Monitor.PulseAll(_lock);
            }

            if (!wasAlive)
            {
                OnAlive?.Invoke();
            }
        }

        OnRenewed?.Invoke(window.PetUntil - Now, Lease);
    }

    /// <summary>Now on the membership's monotonic clock.</summary>
    private TimeSpan Now => _clock.GetElapsedTime(_epoch);

    /// <summary>Sleeps until the lease's safe end; if no renewal moved it meanwhile, fences.</summary>
    private void Watch()
    {
        while (true)
        {
            lock (_lock)
            {
                while (!_disposed && (_window is not { } current || current.Alive(Now)))
                {
                    var wait = _window is { } window ? window.SafeEnd - Now : Timeout.InfiniteTimeSpan;
                    Monitor.Wait(_lock, wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : wait); // infinite is negative too: never a busy loop
                }

                if (_disposed)
                {
                    return;
                }

                _window = null;
                OnFenced?.Invoke();
            }

            LogFenced(logger, member.Name);
        }
    }

    /// <summary>
    /// A clean stop, once the node's groups are stopped: the lease is revoked, so the node is Down at
    /// once rather than after the TTL.
    /// </summary>
    public async Task LeaveAsync()
    {
        lock (_lock)
        {
            _window = null;
            Monitor.PulseAll(_lock);
        }

        if (Lease != 0)
        {
            try
            {
                await store.RevokeLeaseAsync(Lease).ConfigureAwait(false);
            }
            catch (ClusterStoreException e)
            {
                LogRenewFailed(logger, member.Name, e.Message); // the lease lapses by itself
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Node {Node} joined the cluster with lease {Lease} (TTL {TtlMs} ms)")]
    private static partial void LogJoined(ILogger logger, string node, long lease, double ttlMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Node {Node} could not renew its lease: {Error}")]
    private static partial void LogRenewFailed(ILogger logger, string node, string error);

    [LoggerMessage(EventId = 1177, Level = LogLevel.Critical, Message = "Node {Node} lost the cluster store long enough that its lease may lapse: it stops its groups")]
    private static partial void LogFenced(ILogger logger, string node);
}
