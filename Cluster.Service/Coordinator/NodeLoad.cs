using Cluster.Service.Database;

namespace Cluster.Service.Coordinator;

/// <summary>
/// What each node carries, for its capacity: how many groups it runs (MaxGroups) and how much of each
/// named quantity their weights take (Capacity.NAME). A group counts where it is owned and meant to run:
/// an administrator's Offline group takes no place, nor one its owner left Failed (/cluster/failed/).
/// </summary>
internal sealed class NodeLoad
{
    private readonly Dictionary<string, int> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Node, string Quantity), long> _units = [];

    public static NodeLoad Of(ClusterConfiguration configuration)
    {
        var load = new NodeLoad();
        foreach (var (group, owner) in configuration.Owners.Where(o => o.Value.Node.Length > 0))
        {
            if (PlacementPolicy.MeantToRun(configuration, group) && !configuration.IsFailedOnOwner(group) && configuration.Groups.TryGetValue(group, out var definition))
            {
                load.Add(owner.Node, definition);
            }
        }

        return load;
    }

    public int Groups(string node) => _groups.GetValueOrDefault(node);

    public long Units(string node, string quantity) => _units.GetValueOrDefault((node, quantity));

    public void Add(string node, Protocol.Config.V1.Group group) => Change(node, group, +1);

    public void Remove(string node, Protocol.Config.V1.Group group) => Change(node, group, -1);

    private void Change(string node, Protocol.Config.V1.Group group, int sign)
    {
        _groups[node] = Groups(node) + sign;
        foreach (var (quantity, weight) in group.Weights)
        {
            _units[(node, quantity)] = Units(node, quantity) + (sign * (long)weight);
        }
    }
}
