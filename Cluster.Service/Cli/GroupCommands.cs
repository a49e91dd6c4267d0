using System.CommandLine;
using System.Text.Json.Nodes;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Database;
using ConfigGroup = Cluster.Protocol.Config.V1.Group;

namespace Cluster.Service.Cli;

/// <summary>`cluster group ...`.</summary>
internal static class GroupCommands
{
    public static Command Create()
    {
        var group = new Command("group", "Create, change and inspect groups; set their persistent state");
        group.Subcommands.Add(CreateCreate());
        group.Subcommands.Add(CreateDelete());
        group.Subcommands.Add(CreateSet());
        group.Subcommands.Add(CreateList());
        group.Subcommands.Add(ShowCommand.Create("group", name => new Protocol.Admin.V1.ShowRequest { Group = name }));
        group.Subcommands.Add(CreateMove());
        group.Subcommands.Add(PersistentStateCommand.Create(
            "online", "Bring a group online in dependency order; clears its past failures", "group", online: true));
        group.Subcommands.Add(PersistentStateCommand.Create(
            "offline", "Take a group offline in reverse dependency order; it is left alone", "group", online: false));
        return group;
    }

    private static Command CreateCreate()
    {
        var name = new Argument<string>("name") { Description = "The group's name" };
        var props = new Option<string[]>("--prop")
        {
            Description = $"A common property, NAME=VALUE (repeatable): {string.Join(", ", CommonProperties.GroupNames)}",
        };
        props.Validators.Add(PropertyArguments.Validate);
        var create = new Command("create", "Create an empty group (its persistent state is Offline)") { name, props, NodeConnections.NodeOption };
        create.SetHandler(async (parseResult, cancellationToken) =>
        {
            var group = new ConfigGroup { Name = parseResult.GetValue(name)! };
            foreach (var (key, value) in PropertyArguments.Parse(parseResult.GetValue(props) ?? []))
            {
                CommonProperties.SetOnGroup(group, key, value);
            }

            return await DatabaseChange.SendAsync(parseResult, new CreateGroupRequest { Group = group }, cancellationToken).ConfigureAwait(false);
        });
        return create;
    }

    private static Command CreateDelete()
    {
        var name = new Argument<string>("name") { Description = "The group" };
        var withResources = new Option<bool>("--remove-resources") { Description = "Delete its resources too (they go offline first)" };
        var delete = new Command("delete", "Delete a group; one with resources only with --remove-resources") { name, withResources, NodeConnections.NodeOption };
        delete.SetHandler((parseResult, cancellationToken) => DatabaseChange.SendAsync(
            parseResult,
            new DeleteGroupRequest { Name = parseResult.GetValue(name)!, RemoveResources = parseResult.GetValue(withResources) },
            cancellationToken));
        return delete;
    }

    private static Command CreateSet()
    {
        var name = new Argument<string>("name") { Description = "The group" };
        var settings = DatabaseChange.SettingsArgument($"NAME=VALUE (an empty value restores the default): {string.Join(", ", CommonProperties.GroupNames)}");
        var set = new Command("set", "Set common properties of a group") { name, settings, NodeConnections.NodeOption };
        set.SetHandler((parseResult, cancellationToken) =>
        {
            var request = new SetGroupRequest { Name = parseResult.GetValue(name)! };
            request.Settings.Add(PropertyArguments.Parse(parseResult.GetValue(settings) ?? []));
            return DatabaseChange.SendAsync(parseResult, request, cancellationToken);
        });
        return set;
    }

    private static Command CreateMove()
    {
        var name = new Argument<string>("name") { Description = "The group" };
        var to = new Option<string?>("--to") { Description = "The node to move it to (default: the next node in its list)" };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for it to be online on the new node (0: no wait)", DefaultValueFactory = _ => 60 }.AtLeast(0);
        var move = new Command("move", "A planned failover: offline on its node in reverse dependency order, then online on another") { name, to, wait };
        move.SetHandler(async (parseResult, cancellationToken) =>
        {
            var group = parseResult.GetValue(name)!;
            var target = parseResult.GetValue(to);
            var before = (await NodeConnections.ListGroupsAsync(parseResult, cancellationToken).ConfigureAwait(false)).FirstOrDefault(g => g.Name == group)?.Node;
            await DatabaseChange.SendAsync(parseResult, new MoveGroupRequest { Group = group, To = target ?? string.Empty }, cancellationToken).ConfigureAwait(false);
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            var limit = TimeSpan.FromSeconds(parseResult.GetValue(wait));
            while (deadline.Elapsed < limit)
            {
                var row = (await NodeConnections.ListGroupsAsync(parseResult, cancellationToken).ConfigureAwait(false)).Single(g => g.Name == group);
                if (row.Hosted && (target is null ? row.Node != before : row.Node == target) && row.State is "Online" or "Failed")
                {
                    await parseResult.InvocationConfiguration.Output.WriteLineAsync($"{group}: {row.State} on {row.Node}").ConfigureAwait(false);
                    return row.State == "Online" ? 0 : 1;
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }

            return limit > TimeSpan.Zero ? throw new ClusterUserException($"{group} was not online on its new node within {limit.TotalSeconds} s.") : 0;
        });
        return move;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List the groups of the cluster, with their states and owners") { CommonOptions.Json, NodeConnections.NodeOption };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            var rows = await NodeConnections.ListGroupsAsync(parseResult, cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. rows.Select(g => (JsonNode)ClusterJson.Group(g))])).ConfigureAwait(false);
                return 0;
            }

            var output = parseResult.InvocationConfiguration.Output;
            await output.WriteLineAsync($"{"NAME",-20} {"STATE",-14} {"NODE",-10} RESOURCES").ConfigureAwait(false);
            foreach (var g in rows)
            {
                await output.WriteLineAsync($"{g.Name,-20} {g.State,-14} {g.Node,-10} {string.Join(", ", g.Resources)}").ConfigureAwait(false);
            }

            return 0;
        });
        return list;
    }
}
