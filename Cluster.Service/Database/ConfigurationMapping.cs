using Cluster.Protocol.Config.V1;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;

namespace Cluster.Service.Database;

/// <summary>From the stored configuration to what the RCM's policy and the monitor manager work with, defaults applied.</summary>
internal static class ConfigurationMapping
{
    /// <exception cref="GroupDefinitionException">A dependency outside the group, or a cycle, named.</exception>
    public static GroupDefinition Definition(ClusterConfiguration configuration, string group) =>
        GroupDefinition.Create(group, configuration.ResourcesOf(group).Select(r => new ResourceDefinition(r.Name, [.. r.DependsOn], Restart(r))));

    public static RestartPolicy Restart(Resource resource)
    {
        var defaults = new RestartPolicy();
        return new RestartPolicy
        {
            Action = resource.HasRestartAction ? (RestartAction)resource.RestartAction : defaults.Action,
            Threshold = resource.HasRestartThreshold ? (int)resource.RestartThreshold : defaults.Threshold,
            Period = resource.HasRestartPeriodMs ? TimeSpan.FromMilliseconds(resource.RestartPeriodMs) : defaults.Period,
            Delay = resource.HasRestartDelayMs ? TimeSpan.FromMilliseconds(resource.RestartDelayMs) : defaults.Delay,
            RetryPeriodOnFailure = !resource.HasRetryPeriodOnFailureMs ? defaults.RetryPeriodOnFailure
                : resource.RetryPeriodOnFailureMs < 0 ? null : TimeSpan.FromMilliseconds(resource.RetryPeriodOnFailureMs),
        };
    }

    /// <summary>What the monitor manager needs to host the resource; timings unset take the type's or the node's defaults.</summary>
    public static ResourceSpec Spec(ClusterConfiguration configuration, Resource resource, TimeSpan nodeDeadlockTimeout)
    {
        var defaults = new ResourceSpec { Name = resource.Name, Type = new() };
        return new ResourceSpec
        {
            Name = resource.Name,
            Type = configuration.Types[resource.Type],
            Properties = resource.Properties.ToDictionary(),
            SeparateMonitor = resource.SeparateMonitor,
            LooksAlivePollInterval = resource.HasLooksAlivePollIntervalMs ? TimeSpan.FromMilliseconds(resource.LooksAlivePollIntervalMs) : null,
            IsAlivePollInterval = resource.HasIsAlivePollIntervalMs ? TimeSpan.FromMilliseconds(resource.IsAlivePollIntervalMs) : null,
            PendingTimeout = resource.HasPendingTimeoutMs ? TimeSpan.FromMilliseconds(resource.PendingTimeoutMs) : defaults.PendingTimeout,
            DeadlockTimeout = resource.HasDeadlockTimeoutMs ? TimeSpan.FromMilliseconds(resource.DeadlockTimeoutMs) : nodeDeadlockTimeout,
        };
    }

    /// <summary>The group as this node's RCM should host it.</summary>
    public static DesiredGroup Desired(ClusterConfiguration configuration, string group, TimeSpan nodeDeadlockTimeout)
    {
        var resources = configuration.ResourcesOf(group).ToList();
        return new DesiredGroup(
            Definition(configuration, group),
            resources.ToDictionary(r => r.Name, r => Spec(configuration, r, nodeDeadlockTimeout), StringComparer.Ordinal),
            resources.ToDictionary(r => r.Name, r => configuration.IsPersistedOnline(r.Name), StringComparer.Ordinal));
    }
}
