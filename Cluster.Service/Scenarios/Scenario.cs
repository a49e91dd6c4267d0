using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Scenarios;

/// <summary>
/// A scripted failover scenario: the cluster to start, what to apply, the invariants that must hold for the
/// whole run, and the steps (actions and expectations). Read from YAML by <see cref="ScenarioFile"/>.
/// </summary>
internal sealed record Scenario(
    string Name,
    string Path,
    string? Description,
    ScenarioCluster Cluster,
    ApplyRequest Apply,
    IReadOnlyList<Predicate> Never,
    IReadOnlyList<ScenarioStep> Steps);

/// <summary>The nodes a scenario starts (n1..nN) and the options every node runs with.</summary>
internal sealed record ScenarioCluster(int Nodes, TimeSpan? DeadlockTimeout, TimeSpan? LeaseTtl, TimeSpan? HealthTimeout)
{
    public const int MaxNodes = 9;

    /// <summary>The options as `cluster node run` takes them.</summary>
    public IReadOnlyList<string> NodeArguments() =>
    [
        .. Option("--deadlock-timeout-ms", DeadlockTimeout),
        .. Option("--lease-ttl-ms", LeaseTtl),
        .. Option("--health-timeout-ms", HealthTimeout),
    ];

    private static IEnumerable<string> Option(string name, TimeSpan? value) =>
        value is { } v ? [name, ((long)v.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
}
