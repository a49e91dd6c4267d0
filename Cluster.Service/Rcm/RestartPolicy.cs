namespace Cluster.Service.Rcm;

/// <summary>A resource's restart settings, with WSFC's defaults.</summary>
internal sealed record RestartPolicy
{
    public RestartAction Action { get; init; } = RestartAction.RestartThenFailover;

    /// <summary>Restarts allowed within <see cref="Period"/> before the RCM gives up (WSFC: 3).</summary>
    public int Threshold { get; init; } = 3;

    /// <summary>The sliding window the threshold counts in (WSFC: 900 000 ms).</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Wait before a restart (WSFC: 500 ms).</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>After giving up, try again this much later (WSFC: 3 600 000 ms); null: never (-1 in WSFC).</summary>
    public TimeSpan? RetryPeriodOnFailure { get; init; } = TimeSpan.FromHours(1);
}
