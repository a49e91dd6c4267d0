using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Scenarios;

/// <summary>
/// Something that holds, or happens, in the cluster: what an expectation waits for and what an invariant
/// (<c>never:</c>) forbids. State and event predicates are judged from the nodes' events; a double run
/// from the real processes.
/// </summary>
internal abstract record Predicate(int Line, int Column)
{
    public abstract string Describe();
}

/// <summary>A group or resource is in a state: on <see cref="Node"/>, or (null) as the cluster as a whole has it.</summary>
/// <remarks>
/// Without a node: Offline means on no node anything but Offline; any other state means on some node.
/// <see cref="Restarts"/> is the resource's restart count within its RestartPeriod, as the policy last decided it.
/// </remarks>
internal sealed record StatePredicate(int Line, int Column, SubjectKind Kind, string Name, string State, string? Node, int? Restarts)
    : Predicate(Line, Column)
{
    public override string Describe() =>
        $"{Kind.ToString().ToLowerInvariant()} {Name} {State}{(Node is null ? string.Empty : $" on {Node}")}{(Restarts is { } r ? $" with {r} restart{(r == 1 ? string.Empty : "s")}" : string.Empty)}";

    public bool Holds(ClusterModel model)
    {
        var states = model.StatesOf(Kind, Name);
        bool Matches(string node, string state) =>
            string.Equals(state, State, StringComparison.OrdinalIgnoreCase)
            && (Restarts is not { } restarts || model.RestartsOf(node, Name) == restarts);
        if (Node is { } node)
        {
            return Matches(node, states.GetValueOrDefault(node, "Offline"));
        }

        return string.Equals(State, "Offline", StringComparison.OrdinalIgnoreCase)
            ? states.Values.All(s => s == "Offline")
            : states.Any(s => Matches(s.Key, s.Value));
    }
}

/// <summary>An event happened: by WSFC's id and/or a text its cause contains, optionally of a resource, group or node.</summary>
internal sealed record EventPredicate(int Line, int Column, int? EventId, string? Text, string? Resource, string? Group, string? Node)
    : Predicate(Line, Column)
{
    public override string Describe() =>
        string.Join(' ', new[]
        {
            EventId is { } id ? $"event {id}" : "event",
            Text is null ? null : $"'{Text}'",
            Resource is null ? null : $"of resource {Resource}",
            Group is null ? null : $"of group {Group}",
            Node is null ? null : $"on {Node}",
        }.Where(p => p is not null));

    public bool Matches(ClusterEvent e) =>
        (EventId is not { } id || e.EventId == id)
        && (Text is null || e.Text.Contains(Text, StringComparison.OrdinalIgnoreCase))
        && (Resource is null || e.Resource == Resource)
        && (Group is null || e.Group == Group)
        && (Node is null || e.Node == Node);
}

/// <summary>
/// A group's application runs as two processes at once (on two nodes, or one started by hand): judged
/// from the real processes, sampled every few milliseconds, never from the cluster's view.
/// </summary>
internal sealed record DoubleRunPredicate(int Line, int Column, string Group) : Predicate(Line, Column)
{
    public override string Describe() => $"group {Group}'s application running twice";
}

/// <summary>
/// Resources reach a state in this order (dependencies first: Online in dependency order, Offline in
/// reverse), each first reaching it after the window opened; on <see cref="Node"/>, or on any node.
/// </summary>
internal sealed record OrderPredicate(int Line, int Column, IReadOnlyList<string> Resources, string State, string? Node)
    : Predicate(Line, Column)
{
    public override string Describe() => $"{string.Join(", ", Resources)} {State} in this order{(Node is null ? string.Empty : $" on {Node}")}";

    /// <summary>The resources in the order their first events into the state came, from <paramref name="events"/> (window-bounded).</summary>
    public IReadOnlyList<(string Resource, ClusterEvent By)> Reached(IEnumerable<ClusterEvent> events)
    {
        var reached = new List<(string, ClusterEvent)>();
        foreach (var e in events)
        {
            if (e.Component == "RHS" && string.Equals(e.NewState, State, StringComparison.OrdinalIgnoreCase)
                && (Node is null || e.Node == Node) && Resources.Contains(e.Resource) && !reached.Any(r => r.Item1 == e.Resource))
            {
                reached.Add((e.Resource, e));
            }
        }

        return reached;
    }
}
