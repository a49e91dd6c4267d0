using System.CommandLine;
using Cluster.Service.Admin;

namespace Cluster.Service.Cli;

/// <summary>How client verbs find nodes: the records and the token in the cluster directory.</summary>
internal static class NodeConnections
{
    /// <summary>--node: which node a verb addresses; optional while the cluster has one node.</summary>
    public static Option<string?> NodeOption { get; } = new("--node") { Description = "The node to address (default: the only node)" };

    /// <summary>Every node that has a record; the caller disposes them.</summary>
    public static IReadOnlyList<AdminClient> ConnectAll(ParseResult parseResult)
    {
        var directory = CommonOptions.ResolveDirectory(parseResult);
        var token = directory.ReadToken();
        var named = parseResult.GetValue(NodeOption);
        var records = directory.ReadNodeRecords().Where(r => named is null || r.Name == named).ToList();
        if (named is not null && records.Count == 0)
        {
            throw new ClusterUserException($"There is no node {named} in {directory.Root}.");
        }

        return [.. records.Select(r => AdminClient.Connect(r, token))];
    }

    /// <summary>The node named by --node, or the only node.</summary>
    public static AdminClient ConnectOne(ParseResult parseResult)
    {
        var clients = ConnectAll(parseResult);
        if (clients.Count == 1)
        {
            return clients[0];
        }

        foreach (var client in clients)
        {
            client.Dispose();
        }

        throw new ClusterUserException(clients.Count == 0
            ? $"No node is running in {CommonOptions.ResolveDirectory(parseResult).Root}."
            : $"The cluster has {clients.Count} nodes: name one with --node.");
    }

    /// <summary>Every node with a record, and whether it answers (Up) or not (Down).</summary>
    public static async Task<IReadOnlyList<(NodeRecord Record, string State)>> ProbeAllAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var directory = CommonOptions.ResolveDirectory(parseResult);
        var token = directory.ReadToken();
        var rows = new List<(NodeRecord, string)>();
        foreach (var record in directory.ReadNodeRecords())
        {
            var state = "Down";
            try
            {
                using var client = AdminClient.Connect(record, token);
                await client.GetNode(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                state = "Up";
            }
            catch (Grpc.RpcException)
            {
                // It does not answer: that is what Down means here.
            }

            rows.Add((record, state));
        }

        return rows;
    }

    public static Task<List<(string Node, Contracts.Admin.V1.Resource Item)>> ListResourcesAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        CollectAsync(parseResult, async (client, ct) => (await client.ListResources(ct).ConfigureAwait(false)).Resources.AsEnumerable(), cancellationToken);

    public static Task<List<(string Node, Contracts.Admin.V1.Monitor Item)>> ListMonitorsAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        CollectAsync(parseResult, async (client, ct) => (await client.ListMonitors(ct).ConfigureAwait(false)).Monitors.AsEnumerable(), cancellationToken);

    public static Task<List<(string Node, Contracts.Admin.V1.Group Item)>> ListGroupsAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        CollectAsync(parseResult, async (client, ct) => (await client.ListGroups(ct).ConfigureAwait(false)).Groups.AsEnumerable(), cancellationToken);

    /// <summary>Runs <paramref name="query"/> on every node that answers, with its name.</summary>
    private static async Task<List<(string Node, T Item)>> CollectAsync<T>(
        ParseResult parseResult, Func<AdminClient, CancellationToken, Task<IEnumerable<T>>> query, CancellationToken cancellationToken)
    {
        var rows = new List<(string, T)>();
        foreach (var client in ConnectAll(parseResult))
        {
            using (client)
            {
                try
                {
                    rows.AddRange((await query(client, cancellationToken).ConfigureAwait(false)).Select(item => (client.NodeName, item)));
                }
                catch (Grpc.RpcException e) when (e.StatusCode == Grpc.StatusCode.Unavailable)
                {
                    // A node that is down has nothing to list; `node list` shows it Down.
                }
            }
        }

        return rows;
    }
}
