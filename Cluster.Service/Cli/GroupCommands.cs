using System.CommandLine;
using System.Text.Json.Nodes;
using Cluster.Contracts.Admin.V1;

namespace Cluster.Service.Cli;

/// <summary>`cluster group ...`.</summary>
internal static class GroupCommands
{
    public static Command Create()
    {
        var group = new Command("group", "Inspect groups and set their persistent state");
        group.Subcommands.Add(CreateList());
        group.Subcommands.Add(PersistentStateCommand.Create(
            "online", "Bring a group online in dependency order; clears its past failures", "group",
            name => new SetPersistentStateRequest { Group = name, Online = true }));
        group.Subcommands.Add(PersistentStateCommand.Create(
            "offline", "Take a group offline in reverse dependency order; it is left alone", "group",
            name => new SetPersistentStateRequest { Group = name, Online = false }));
        return group;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List the groups of every node") { CommonOptions.Json, NodeConnections.NodeOption };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            var rows = await NodeConnections.ListGroupsAsync(parseResult, cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. rows.Select(r => (JsonNode)ClusterJson.Group(r.Node, r.Item))]))
                    .ConfigureAwait(false);
                return 0;
            }

            var output = parseResult.InvocationConfiguration.Output;
            await output.WriteLineAsync($"{"NAME",-20} {"STATE",-14} {"NODE",-10} RESOURCES").ConfigureAwait(false);
            foreach (var (node, g) in rows)
            {
                await output.WriteLineAsync($"{g.Name,-20} {g.State,-14} {node,-10} {string.Join(", ", g.Resources)}").ConfigureAwait(false);
            }

            return 0;
        });
        return list;
    }
}
