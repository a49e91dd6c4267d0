using System.CommandLine;
using Cluster.Protocol;
using Cluster.Service.Admin;

namespace Cluster.Service.Cli;

/// <summary>How client verbs find nodes: the records and the token in the cluster directory.</summary>
internal static class NodeConnections
{
    /// <summary>--node: which node a verb addresses, to override where the cluster would send it.</summary>
    public static Option<string?> NodeOption { get; } = new("--node")
    {
        Description = "The node to address (default: the node that hosts the resource, or any node that answers for cluster-wide verbs)",
    };

    /// <summary>Every node that has a record; the caller disposes them.</summary>
    public static IReadOnlyList<AdminClient> ConnectAll(ParseResult parseResult)
    {
        var directory = CommonOptions.ResolveDirectory(parseResult);
        var token = directory.ReadToken();
        var named = parseResult.GetValue(NodeOption);
        var records = Records(parseResult).Where(r => named is null || r.Name == named).ToList();
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

    /// <summary>
    /// For a verb about one resource: the node that hosts it, which the cluster knows. --node overrides;
    /// a --node that does not host it is refused with where it is.
    /// </summary>
    public static async Task<AdminClient> ConnectToHostOfAsync(ParseResult parseResult, string resource, CancellationToken cancellationToken)
    {
        var directory = CommonOptions.ResolveDirectory(parseResult);
        var named = parseResult.GetValue(NodeOption);
        if (Records(parseResult).Count == 0)
        {
            throw new ClusterUserException($"No node is running in {directory.Root}.");
        }

        var found = (await ListResourcesAsync(parseResult, cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Name == resource)
            ?? throw new ClusterUserException($"There is no resource {resource} in the cluster.");
        // Hosted: the node that hosts it answered; else Node is its group's owner, as stored.
        if (named is not null && found.Node.Length > 0 && named != found.Node)
        {
            throw new ClusterUserException($"Resource {resource} is hosted on node {found.Node}, not on {named}: name {found.Node}, or leave out --node.");
        }

        if (!found.Hosted)
        {
            throw new ClusterUserException(
                $"Resource {resource} is not hosted on any node that answers (its group {found.Group} is on {(found.Node.Length > 0 ? found.Node : "no node")}).");
        }

        return AdminClient.Connect(Record(parseResult, found.Node), directory.ReadToken());
    }

    /// <summary>
    /// For changes to the cluster database, which any node can make: the node named by --node, else the
    /// first node that answers.
    /// </summary>
    public static async Task<AdminClient> ConnectAnyAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var clients = ConnectAll(parseResult);
        AdminClient? chosen = null;
        foreach (var client in clients.OrderBy(c => c.NodeName, StringComparer.Ordinal))
        {
            if (chosen is null)
            {
                try
                {
                    await client.ListNodes(AdminClient.QueryTimeout, cancellationToken)
                        .ConfigureAwait(false);
                    chosen = client; // it answers, and reaches the store
                    continue;
                }
                catch (ClusterException e) when (e.Kind is ClusterErrorKind.Unavailable or ClusterErrorKind.DeadlineExceeded)
                {
                    // Down, frozen, or cut off from the store: try the next one.
                }
            }

            client.Dispose();
        }

        return chosen ?? throw new ClusterUserException(clients.Count == 0
            ? $"No node of the cluster in {CommonOptions.ResolveDirectory(parseResult).Root} is running."
            : $"No node of the cluster in {CommonOptions.ResolveDirectory(parseResult).Root} answers ({string.Join(", ", clients.Select(c => c.NodeName).Order(StringComparer.Ordinal))} have records: down, frozen or cut off from the store).");
    }

    /// <summary>
    /// The cluster's nodes as the membership in the store has them (any node answers for all); when no
    /// node answers, the nodes with records in the directory, all Down.
    /// </summary>
    public static async Task<IReadOnlyList<Protocol.Admin.V1.ClusterNode>> ListNodesAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        CommonOptions.ResolveDirectory(parseResult).ReadToken(); // no cluster here at all: say so
        try
        {
            using var client = await ConnectAnyAsync(parseResult, cancellationToken).ConfigureAwait(false);
            return (await client.ListNodes(AdminClient.DefaultTimeout, cancellationToken).ConfigureAwait(false)).Nodes;
        }
        catch (ClusterUserException)
        {
            return [.. Records(parseResult).Select(r => new Protocol.Admin.V1.ClusterNode { Name = r.Name, State = "Down", Endpoint = r.Endpoint })];
        }
    }

    /// <summary>The record of node <paramref name="name"/>: its member key in the store, else its file in the cluster directory.</summary>
    public static NodeRecord Record(ParseResult parseResult, string name)
    {
        var directory = CommonOptions.ResolveDirectory(parseResult);
        return Records(parseResult).FirstOrDefault(r => r.Name == name)
            ?? throw new ClusterUserException($"Node {name} has never run in {directory.Root}.");
    }

    /// <summary>
    /// The nodes a client can address: on etcd, the members the store lists (wherever they run), then the
    /// records in the cluster directory of nodes the store does not list (Down, or the embedded store's).
    /// </summary>
    public static IReadOnlyList<NodeRecord> Records(ParseResult parseResult)
    {
        var directory = CommonOptions.ResolveDirectory(parseResult);
        var members = StoreMembers.Read(directory);
        return [.. members.Concat(directory.ReadNodeRecords().Where(f => members.All(m => m.Name != f.Name))).OrderBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <summary>Every resource of the cluster once: as its hosting node reports it, else as stored.</summary>
    public static async Task<List<Protocol.Admin.V1.Resource>> ListResourcesAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        Merge(await CollectAsync(parseResult, async (client, ct) => (await client.ListResources(ct).ConfigureAwait(false)).Resources.AsEnumerable(), cancellationToken)
            .ConfigureAwait(false), r => r.Name, r => r.Hosted);

    public static Task<List<(string Node, Protocol.Admin.V1.Monitor Item)>> ListMonitorsAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        CollectAsync(parseResult, async (client, ct) => (await client.ListMonitors(ct).ConfigureAwait(false)).Monitors.AsEnumerable(), cancellationToken);

    /// <summary>Every group of the cluster once: as its hosting node reports it, else as stored.</summary>
    public static async Task<List<Protocol.Admin.V1.Group>> ListGroupsAsync(ParseResult parseResult, CancellationToken cancellationToken) =>
        Merge(await CollectAsync(parseResult, async (client, ct) => (await client.ListGroups(ct).ConfigureAwait(false)).Groups.AsEnumerable(), cancellationToken)
            .ConfigureAwait(false), g => g.Name, g => g.Hosted);

    /// <summary>Every node answers for the whole database; the answer of the node that hosts an item wins.</summary>
    private static List<T> Merge<T>(List<(string Node, T Item)> rows, Func<T, string> name, Func<T, bool> hosted) =>
        [.. rows.GroupBy(r => name(r.Item), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Select(r => r.Item).OrderByDescending(hosted).First())];

    /// <summary>
    /// Runs <paramref name="query"/> on every node at once, with its name; a node that is down or does not
    /// answer within the query's deadline (frozen, say) is left out, so one frozen node never hangs the CLI.
    /// </summary>
    private static async Task<List<(string Node, T Item)>> CollectAsync<T>(
        ParseResult parseResult, Func<AdminClient, CancellationToken, Task<IEnumerable<T>>> query, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(ConnectAll(parseResult).Select(async client =>
        {
            using (client)
            {
                try
                {
                    return (await query(client, cancellationToken).ConfigureAwait(false)).Select(item => (client.NodeName, item)).ToList();
                }
                catch (ClusterException e) when (e.Kind is ClusterErrorKind.Unavailable or ClusterErrorKind.DeadlineExceeded)
                {
                    // A node that is down or frozen has nothing to list; `node list` shows it Down.
                    return [];
                }
            }
        })).ConfigureAwait(false);
        return [.. answers.SelectMany(a => a)];
    }
}
