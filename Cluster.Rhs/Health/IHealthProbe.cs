namespace Cluster.Rhs.Health;

/// <summary>What the <see cref="HealthScheduler"/> checks: one resource's LooksAlive and IsAlive.</summary>
internal interface IHealthProbe
{
    string Resource { get; }

    TimeSpan LooksAliveInterval { get; }

    TimeSpan IsAliveInterval { get; }

    /// <summary>
    /// Runs <paramref name="check"/> and calls <paramref name="done"/> once with its answer and, for a
    /// false one, why (empty when the check said no more). A check that may block runs off the calling thread.
    /// </summary>
    void Check(HealthCheck check, Action<bool, string> done);
}
