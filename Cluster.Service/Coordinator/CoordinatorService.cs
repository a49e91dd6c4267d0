using System.Text;
using Cluster.Protocol.Config.V1;
using Cluster.Service.ClusterLog;
using Cluster.Service.Database;
using Cluster.Service.Membership;
using Cluster.Service.Store;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Coordinator;

/// <summary>
/// The coordinator's thin driver (WSFC's Failover Manager) on every node: the node that holds the
/// coordinator key, on its lease, decides placement with <see cref="PlacementPolicy"/> after every change
/// of the database, when its node is alive again, and every five seconds (failback windows and failover
/// periods are hours long; a dead node's lapse is a change), and writes the decisions with
/// compare-and-swap on each owner key. When its lease lapses, the key goes with it and another node takes over.
/// </summary>
internal sealed partial class CoordinatorService(
    ClusterDatabase database, DatabaseWatch.Subscription changes, NodeMembership membership, string node, TimeProvider clock,
    Action<ClusterLogEntry> clusterLog, ILogger logger)
{
    private static readonly TimeSpan s_resync = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_retry = TimeSpan.FromSeconds(1);
    private HashSet<string>? _members;

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                Node.InjectedFault.ThrowIfArmed(Node.InjectedFault.CoordinatorLoop);
                if (membership.IsAlive)
                {
                    await StepAsync(stopping).ConfigureAwait(false);
                }

                await changes.WaitAsync(s_resync, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (ClusterStoreException e)
            {
                LogStepFailed(logger, e.Message);
                await changes.WaitAsync(s_retry, stopping).ConfigureAwait(false);
            }
        }
    }

    private async Task StepAsync(CancellationToken cancellationToken)
    {
        var configuration = await database.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (configuration.Coordinator is null)
        {
            var won = await database.Store.TransactAsync(
                new Transaction
                {
                    Compares = [Compare.Absent(ConfigurationKeys.Coordinator)],
                    Success = [StoreOperation.Put(ConfigurationKeys.Coordinator, Encoding.UTF8.GetBytes(node), membership.Lease)],
                },
                cancellationToken).ConfigureAwait(false);
            if (won.Succeeded)
            {
                Note(null, $"node {node} is the coordinator", null);
                changes.Wake();
            }

            return;
        }

        if (configuration.Coordinator != node)
        {
            _members = null;
            return;
        }

        NoteMembership(configuration);
        var now = clock.GetUtcNow();
        var decisions = PlacementPolicy.Decide(configuration, now);
        var settled = PlacementPolicy.SettledFailoverRequests(configuration, decisions)
            .Select(g => StoreOperation.Delete(ConfigurationKeys.FailoverRequests + g))
            .ToList();
        if (decisions.Count == 0 && settled.Count == 0)
        {
            return;
        }

        if (await database.SetOwnersAsync(configuration, decisions.ToDictionary(d => d.Group, d => d.Ownership), settled, cancellationToken).ConfigureAwait(false))
        {
            foreach (var decision in decisions)
            {
                Note(decision.Group, decision.Note, decision.EventId);
            }
        }
    }

    /// <summary>Nodes that joined or went down since the last look (event 1135: removed from membership).</summary>
    private void NoteMembership(ClusterConfiguration configuration)
    {
        var members = configuration.Members.Keys.ToHashSet(StringComparer.Ordinal);
        // A new coordinator did not see who was up: a node that owns a group was, as far as it knows.
        var before = _members ?? [.. members, .. configuration.Owners.Values.Select(o => o.Node).Where(n => n.Length > 0)];
        foreach (var gone in before.Where(m => !members.Contains(m)))
        {
            Note(null, $"node {gone} is down: its lease lapsed or it left", 1135, "NM");
        }

        foreach (var joined in members.Where(m => !before.Contains(m)))
        {
            Note(null, $"node {joined} is up", null, "NM");
        }

        _members = members;
    }

    private void Note(string? group, string text, int? eventId, string component = "FM")
    {
        LogDecision(logger, text);
        clusterLog(ClusterLogEntries.Note(node, component, group, text, eventId, clock.GetUtcNow()));
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Coordinator: {Text}")]
    private static partial void LogDecision(ILogger logger, string text);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Coordinator step failed: {Error}")]
    private static partial void LogStepFailed(ILogger logger, string error);
}
