using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Scenarios;

/// <summary>When a predicate held, and the event that made it so (null: it held already when the window opened).</summary>
internal sealed record Evidence(long TimeUnixUs, ClusterEvent? By);

/// <summary>
/// Judges predicates over the history, replaying the nodes' events in time order: pure functions of the
/// events, so that what the runner reports is what the events say, however late they arrived.
/// </summary>
internal static class ScenarioEvaluation
{
    /// <summary>The first moment in [<paramref name="fromUs"/>, <paramref name="toUs"/>] at which the predicate held; null: none.</summary>
    public static Evidence? FirstHolding(IReadOnlyList<ClusterEvent> events, Predicate predicate, long fromUs, long toUs)
    {
        if (predicate is OrderPredicate order)
        {
            var reached = order.Reached(events.Where(e => e.TimeUnixUs >= fromUs && e.TimeUnixUs <= toUs));
            return reached.Count == order.Resources.Count && reached.Select(r => r.Resource).SequenceEqual(order.Resources)
                ? new Evidence(reached[^1].By.TimeUnixUs, reached[^1].By)
                : null;
        }

        var model = new ClusterModel();
        var i = 0;
        for (; i < events.Count && events[i].TimeUnixUs < fromUs; i++)
        {
            model.Apply(events[i]);
        }

        if (predicate is StatePredicate state && state.Holds(model))
        {
            return new Evidence(fromUs, null);
        }

        for (; i < events.Count && events[i].TimeUnixUs <= toUs; i++)
        {
            model.Apply(events[i]);
            var holds = predicate switch
            {
                StatePredicate s => s.Holds(model),
                EventPredicate e => e.Matches(events[i]),
                _ => false,
            };
            if (holds)
            {
                return new Evidence(events[i].TimeUnixUs, events[i]);
            }
        }

        return null;
    }

    /// <summary>What the history shows instead of a predicate that did not hold, up to <paramref name="toUs"/>.</summary>
    public static string SeenInstead(IReadOnlyList<ClusterEvent> events, Predicate predicate, long fromUs, long toUs)
    {
        var model = new ClusterModel();
        foreach (var e in events.TakeWhile(e => e.TimeUnixUs <= toUs))
        {
            model.Apply(e);
        }

        switch (predicate)
        {
            case StatePredicate s:
                return model.Describe(s.Kind, s.Name);
            case OrderPredicate o:
                var reached = o.Reached(events.Where(x => x.TimeUnixUs >= fromUs && x.TimeUnixUs <= toUs));
                return reached.Count == 0 ? $"none of them {o.State}" : $"{string.Join(", ", reached.Select(r => r.Resource))} in that order";
            case EventPredicate e:
                var near = events
                    .Where(x => x.TimeUnixUs >= fromUs && x.TimeUnixUs <= toUs && x.EventId != 0
                        && (e.Resource is null || x.Resource == e.Resource) && (e.Group is null || x.Group == e.Group))
                    .Select(x => $"{x.EventId} on {x.Node}{(x.Resource.Length > 0 ? $" ({x.Resource})" : string.Empty)}")
                    .Distinct()
                    .ToList();
                return near.Count == 0 ? "no event with an id in that time" : $"events {string.Join(", ", near.Take(8))}";
            default:
                return string.Empty;
        }
    }
}
