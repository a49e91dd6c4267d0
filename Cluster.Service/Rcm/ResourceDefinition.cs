namespace Cluster.Service.Rcm;

/// <summary>A resource as the RCM's policy sees it: its name, what it depends on, its restart policy.</summary>
internal sealed record ResourceDefinition(string Name, IReadOnlyList<string> DependsOn, RestartPolicy Restart)
{
    public ResourceDefinition(string name, params string[] dependsOn)
        : this(name, dependsOn, new RestartPolicy())
    {
    }
}
