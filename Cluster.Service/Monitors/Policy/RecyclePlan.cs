namespace Cluster.Service.Monitors.Policy;

/// <summary>
/// What replacing a dead or wedged RHS does to the resources it hosted. Every one is reported Failed once,
/// which the RCM counts as one restart, and no more: until it is open in the replacement, a call for it
/// waits instead of failing again (<see cref="HostedResourceState.Ready"/>). The resource that hung in a
/// shared monitor moves to a dedicated one, so that its next hang hurts only itself. A resource whose
/// Open hung in a dedicated monitor is not opened again there: it would only hang again; it stays Failed
/// and its calls say why, so the RCM's policy moves its group.
/// </summary>
internal sealed record RecyclePlan(IReadOnlyList<string> ReportFailed, IReadOnlyList<string> Reopen, string? MoveToDedicated, string? Abandon)
{
    public static RecyclePlan For(bool dedicatedMonitor, IReadOnlyCollection<string> hosted, Deadlock? deadlock)
    {
        var failed = hosted.Order(StringComparer.Ordinal).ToList();
        var culprit = deadlock is { } d && hosted.Contains(d.Resource) ? d : null;
        if (culprit is null)
        {
            return new RecyclePlan(failed, failed, null, null);
        }

        var others = failed.Where(r => r != culprit.Resource).ToList();
        if (!dedicatedMonitor)
        {
            return new RecyclePlan(failed, others, culprit.Resource, null);
        }

        return culprit.EntryPoint == "Open"
            ? new RecyclePlan(failed, others, null, culprit.Resource)
            : new RecyclePlan(failed, failed, null, null);
    }
}
