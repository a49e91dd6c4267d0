namespace Cluster.Service.Monitors.Policy;

/// <summary>
/// How long to wait before trying again to start a monitor's replacement RHS after a failed attempt:
/// doubling from 250 ms to 30 s, so that a machine out of processes or memory is not hammered, and a
/// brief failure costs little.
/// </summary>
internal static class RecoveryBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    public static TimeSpan After(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(failedAttempts);
        var delay = First * Math.Pow(2, Math.Min(failedAttempts, 16));
        return delay < Longest ? delay : Longest;
    }
}
