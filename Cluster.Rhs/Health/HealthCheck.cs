namespace Cluster.Rhs.Health;

/// <summary>The two health checks WSFC's resource monitor runs on an Online resource.</summary>
internal enum HealthCheck
{
    /// <summary>Cheap and frequent: does it look alive? A false answer asks <see cref="IsAlive"/> at once.</summary>
    LooksAlive,

    /// <summary>Thorough and rarer: is it alive? A false answer fails the resource.</summary>
    IsAlive,
}
