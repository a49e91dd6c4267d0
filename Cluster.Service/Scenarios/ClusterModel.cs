using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Scenarios;

/// <summary>
/// The cluster as its nodes' events describe it at one moment: each node's state of each resource and
/// group, and each resource's restart count. Built by replaying events in time order; a node that exited
/// hosts nothing from its exit on (the runner adds that event: a dead node cannot).
/// </summary>
internal sealed class ClusterModel
{
    /// <summary>The component of the runner's own events (a node process exited).</summary>
    public const string RunnerComponent = "Runner";

    private readonly Dictionary<string, Dictionary<string, string>> _resources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Node, string Resource), int> _restarts = [];

    public void Apply(ClusterEvent e)
    {
        if (e.Component == RunnerComponent && e.NewState == "Exited")
        {
            Forget(_resources, e.Node);
            Forget(_groups, e.Node);
            return;
        }

        if (e.NewState.Length > 0 && e.Resource.Length > 0 && e.Component == "RHS")
        {
            Set(_resources, e.Resource, e.Node, e.NewState);
        }
        else if (e.NewState.Length > 0 && e.Group.Length > 0 && e.Resource.Length == 0)
        {
            Set(_groups, e.Group, e.Node, e.NewState);
        }

        if (e.RestartCount > 0)
        {
            _restarts[(e.Node, e.Resource)] = e.RestartCount;
        }
    }

    /// <summary>The subject's state on each node that reported one (nodes that never did are absent).</summary>
    public IReadOnlyDictionary<string, string> StatesOf(SubjectKind kind, string name) =>
        (kind == SubjectKind.Group ? _groups : _resources).GetValueOrDefault(name) ?? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>();

    public int RestartsOf(string node, string resource) => _restarts.GetValueOrDefault((node, resource));

    /// <summary>"Online on n1, Offline on n2": what a failed expectation saw instead.</summary>
    public string Describe(SubjectKind kind, string name)
    {
        var states = StatesOf(kind, name);
        return states.Count == 0
            ? "no node reported it"
            : string.Join(", ", states.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s =>
                $"{s.Value} on {s.Key}{(kind == SubjectKind.Resource && RestartsOf(s.Key, name) is > 0 and var r ? $" ({r} restart{(r == 1 ? string.Empty : "s")})" : string.Empty)}"));
    }

    private static void Set(Dictionary<string, Dictionary<string, string>> states, string name, string node, string state)
    {
        if (!states.TryGetValue(name, out var byNode))
        {
            states[name] = byNode = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        byNode[node] = state;
    }

    private static void Forget(Dictionary<string, Dictionary<string, string>> states, string node)
    {
        foreach (var byNode in states.Values)
        {
            if (byNode.ContainsKey(node))
            {
                byNode[node] = "Offline";
            }
        }
    }
}
