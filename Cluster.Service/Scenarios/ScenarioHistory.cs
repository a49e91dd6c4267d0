using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Scenarios;

/// <summary>
/// Every event the runner heard from the nodes (and its own: a node process exited), in the order they
/// happened. Waiters learn of each new arrival; nothing is polled.
/// </summary>
internal sealed class ScenarioHistory
{
    private readonly Lock _lock = new();
    private readonly List<ClusterEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _sorted = true;

    public void Add(ClusterEvent e)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _sorted &= _events.Count == 0 || Compare(_events[^1], e) <= 0;
            _events.Add(e);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Completes at the next arrival after this call.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>The events so far, in time order (ties: by node, then by the node's numbering).</summary>
    public IReadOnlyList<ClusterEvent> Snapshot()
    {
        lock (_lock)
        {
            if (!_sorted)
            {
                _events.Sort(Compare); // ties broken by node and numbering: one order for every reader
                _sorted = true;
            }

            return [.. _events];
        }
    }

    /// <summary>The runner's own event: a node's process exited (the node can no longer say so itself).</summary>
    public void AddExited(string node, DateTimeOffset time, int pid) => Add(new ClusterEvent
    {
        Node = node,
        TimeUnixUs = UnixMicroseconds.From(time),
        Level = "WARN",
        Component = ClusterModel.RunnerComponent,
        NewState = "Exited",
        Text = $"node process {pid} exited",
        Sequence = -1,
    });

    private static int Compare(ClusterEvent a, ClusterEvent b)
    {
        var byTime = a.TimeUnixUs.CompareTo(b.TimeUnixUs);
        if (byTime != 0)
        {
            return byTime;
        }

        var byNode = string.CompareOrdinal(a.Node, b.Node);
        return byNode != 0 ? byNode : a.Sequence.CompareTo(b.Sequence);
    }
}
