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
}
