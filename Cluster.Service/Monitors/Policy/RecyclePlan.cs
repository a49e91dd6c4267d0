using Cluster.Protocol.Types.V1;

namespace Cluster.Service.Monitors.Policy;

/// <summary>
/// What replacing a dead or wedged RHS does to the resources it hosted. Every one that was running (or
/// on its way up or down) is reported Failed once, which the RCM counts as one restart, and no more; an
/// Offline one stays Offline, as in WSFC: nothing of it ran, so nothing failed. Until it is open in the
/// replacement, until it is open in the replacement, a call for it
/// a call for it waits instead of failing again (<see cref="HostedResourceState.Ready"/>). The resource that hung in a
/// shared monitor moves to a dedicated one, so that its next hang hurts only itself. A resource whose
/// Open hung in a dedicated monitor is not opened again there: it would only hang again; it stays Failed
/// and its calls say why, so the RCM's policy moves its group.
/// </summary>
internal sealed record RecyclePlan(IReadOnlyList<string> ReportFailed, IReadOnlyList<string> Reopen, string? MoveToDedicated, string? Abandon)
{
    public static RecyclePlan For(bool dedicatedMonitor, IReadOnlyDictionary<string, ResourceState> hosted, Deadlock? deadlock)
    {
        ArgumentNullException.ThrowIfNull(hosted);
        var all = hosted.Keys.Order(StringComparer.Ordinal).ToList();
        var failed = all.Where(r => hosted[r] is not (ResourceState.Offline or ResourceState.Failed)).ToList();
        var culprit = deadlock is { } d && hosted.ContainsKey(d.Resource) ? d : null;
        if (culprit is null)
        {
            return new RecyclePlan(failed, all, null, null);
        }

        var others = all.Where(r => r != culprit.Resource).ToList();
        if (!dedicatedMonitor)
        {
            return new RecyclePlan(failed, others, culprit.Resource, null);
        }

        return culprit.EntryPoint == "Open"
            ? new RecyclePlan(failed, others, null, culprit.Resource)
            : new RecyclePlan(failed, all, null, null);
    }
}
