using System.CommandLine;
using System.Text.Json.Nodes;

namespace Cluster.Service.Cli;

/// <summary>`cluster status`: nodes, groups, resources and monitors in one view.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var status = new Command("status", "Nodes, groups, resources and monitors in one view") { CommonOptions.Json, NodeConnections.NodeOption };
        status.SetHandler(async (parseResult, cancellationToken) =>
        {
            // No node answers: say so, and fail, rather than print an empty view that looks like an empty cluster.
            using (await NodeConnections.ConnectAnyAsync(parseResult, cancellationToken).ConfigureAwait(false))
            {
            }

            await WriteAsync(parseResult, parseResult.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return status;
    }

    /// <summary>The view, as a table (or JSON with --json), to <paramref name="output"/>: `status` and `up`'s live view.</summary>
    public static async Task WriteAsync(ParseResult parseResult, TextWriter output, CancellationToken cancellationToken)
    {
        // The four questions at once: each waits on its own connections, so the view costs one round of them.
        var asking = (Nodes: NodeConnections.ListNodesAsync(parseResult, cancellationToken), Groups: NodeConnections.ListGroupsAsync(parseResult, cancellationToken),
            Resources: NodeConnections.ListResourcesAsync(parseResult, cancellationToken), Monitors: NodeConnections.ListMonitorsAsync(parseResult, cancellationToken));
        var (nodes, groups, resources, monitors) = (await asking.Nodes.ConfigureAwait(false), await asking.Groups.ConfigureAwait(false),
            await asking.Resources.ConfigureAwait(false), await asking.Monitors.ConfigureAwait(false));
        if (parseResult.GetValue(CommonOptions.Json))
        {
            await JsonOutput.WriteAsync(parseResult, new JsonObject
            {
                ["nodes"] = new JsonArray([.. nodes.Select(n => (JsonNode)ClusterJson.Node(n))]),
                ["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)ClusterJson.Group(g))]),
                ["resources"] = new JsonArray([.. resources.Select(r => (JsonNode)ClusterJson.Resource(r))]),
                ["monitors"] = new JsonArray([.. monitors.Select(m => (JsonNode)ClusterJson.Monitor(m.Node, m.Item))]),
            }).ConfigureAwait(false);
            return;
        }

        await output.WriteLineAsync("NODES").ConfigureAwait(false);
        foreach (var node in nodes)
        {
            await output.WriteLineAsync(
                $"  {node.Name,-12} {node.State,-6} pid {node.Pid,-8} {node.Endpoint}{(node.Coordinator ? "  (coordinator)" : "")}").ConfigureAwait(false);
        }

        await output.WriteLineAsync("GROUPS").ConfigureAwait(false);
        foreach (var group in groups)
        {
            await output.WriteLineAsync($"  {group.Name,-20} {group.State,-14} on {(group.Node.Length > 0 ? group.Node : "no node")}").ConfigureAwait(false);
            foreach (var r in resources.Where(r => r.Group == group.Name))
            {
                await output.WriteLineAsync(
                    $"    {r.Name,-18} {StateNames.Of(r.State),-15} {r.Type,-20} persistent {StateNames.Of(r.PersistentState)}"
                    + (r.Hosted ? $", monitor {r.MonitorId}, restarts {r.RestartCount}" : string.Empty)
                    + (r.ApplicationPid != 0 ? $", pid {r.ApplicationPid}" : string.Empty)).ConfigureAwait(false);
            }
        }

        await output.WriteLineAsync("MONITORS").ConfigureAwait(false);
        foreach (var (node, m) in monitors)
        {
            await output.WriteLineAsync(
                $"  {node,-10} {m.Id,3} pid {m.Pid,-8} {(m.Dedicated ? "dedicated" : "shared"),-9} restarts {m.Restarts}: {string.Join(", ", m.Resources)}")
                .ConfigureAwait(false);
        }
    }
}
