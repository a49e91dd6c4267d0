namespace Cluster.Service.Rcm;

/// <summary>A group of resources with dependencies inside it: the unit of failover.</summary>
internal sealed class GroupDefinition
{
    private GroupDefinition(string name, IReadOnlyList<ResourceDefinition> resources, IReadOnlyList<string> onlineOrder)
    {
        Name = name;
        Resources = resources.ToDictionary(r => r.Name, StringComparer.Ordinal);
        OnlineOrder = onlineOrder;
        Dependants = resources.ToDictionary(
            r => r.Name,
            r => (IReadOnlyList<string>)[.. resources.Where(d => d.DependsOn.Contains(r.Name)).Select(d => d.Name)],
            StringComparer.Ordinal);
    }

    public string Name { get; }

    public IReadOnlyDictionary<string, ResourceDefinition> Resources { get; }

    /// <summary>A dependency order: every resource after what it depends on (ties by name).</summary>
    public IReadOnlyList<string> OnlineOrder { get; }

    /// <summary>For each resource, the resources that depend on it directly.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Dependants { get; }

    /// <summary>
    /// The resources an administrator's Online or Offline applies to: the whole group (resource null); a
    /// resource and what it depends on, for Online; a resource and what depends on it, for Offline.
    /// </summary>
    public IReadOnlyList<string> PersistentStateScope(string? resource, bool online)
    {
        if (resource is null)
        {
            return OnlineOrder;
        }

        if (!Resources.ContainsKey(resource))
        {
            throw new GroupDefinitionException($"Group {Name} has no resource {resource}.");
        }

        var seen = new List<string>();
        var stack = new Stack<string>([resource]);
        while (stack.TryPop(out var name))
        {
            if (!seen.Contains(name))
            {
                seen.Add(name);
                foreach (var other in online ? Resources[name].DependsOn : Dependants[name])
                {
                    stack.Push(other);
                }
            }
        }

        return seen;
    }

    /// <summary>Validates and orders a group.</summary>
    /// <exception cref="GroupDefinitionException">A duplicate, an unknown or outside dependency, a self-dependency or a cycle, named.</exception>
    public static GroupDefinition Create(string name, IEnumerable<ResourceDefinition> resources)
    {
        var list = resources.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in list)
        {
            if (!names.Add(resource.Name))
            {
                throw new GroupDefinitionException($"Group {name} has resource {resource.Name} twice.");
            }
        }

        foreach (var resource in list)
        {
            foreach (var dependency in resource.DependsOn)
            {
                if (dependency == resource.Name)
                {
                    throw new GroupDefinitionException($"Resource {resource.Name} depends on itself.");
                }

                if (!names.Contains(dependency))
                {
                    throw new GroupDefinitionException(
                        $"Resource {resource.Name} depends on {dependency}, which is not in group {name} (dependencies stay within a group).");
                }
            }
        }

        return new GroupDefinition(name, list, TopologicalOrder(name, list));
    }

    private static List<string> TopologicalOrder(string group, List<ResourceDefinition> resources)
    {
        var order = new List<string>();
        var pending = resources.ToDictionary(r => r.Name, r => new HashSet<string>(r.DependsOn, StringComparer.Ordinal), StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var ready = pending.Where(p => p.Value.Count == 0).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
            if (ready.Count == 0)
            {
                throw new GroupDefinitionException(
                    $"Group {group} has a dependency cycle among {string.Join(", ", Cycle(pending))}.");
            }

            foreach (var name in ready)
            {
                order.Add(name);
                pending.Remove(name);
                foreach (var rest in pending.Values)
                {
                    rest.Remove(name);
                }
            }
        }

        return order;
    }

    /// <summary>One cycle among the resources left, for the error message: follow dependencies until one repeats.</summary>
    private static IEnumerable<string> Cycle(Dictionary<string, HashSet<string>> pending)
    {
        var path = new List<string>();
        var current = pending.Keys.Order(StringComparer.Ordinal).First();
        while (!path.Contains(current))
        {
            path.Add(current);
            current = pending[current].Order(StringComparer.Ordinal).First();
        }

        return [.. path.SkipWhile(n => n != current), current];
    }
}
