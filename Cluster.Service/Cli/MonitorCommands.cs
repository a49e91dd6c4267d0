using System.CommandLine;
using System.Text.Json.Nodes;
using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Cli;

/// <summary>`cluster monitor ...`: the RHS processes of the nodes.</summary>
internal static class MonitorCommands
{
    public static Command Create()
    {
        var monitor = new Command("monitor", "Inspect and kill resource monitors (RHS processes)");
        monitor.Subcommands.Add(CreateList());
        monitor.Subcommands.Add(CreateKill());
        return monitor;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List every node's monitors and the resources each hosts") { CommonOptions.Json, NodeConnections.NodeOption };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            var rows = await NodeConnections.ListMonitorsAsync(parseResult, cancellationToken).ConfigureAwait(false);

            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. rows.Select(r => (JsonNode)ClusterJson.Monitor(r.Node, r.Item))]))
                    .ConfigureAwait(false);
                return 0;
            }

            var output = parseResult.InvocationConfiguration.Output;
            await output.WriteLineAsync($"{"NODE",-10} {"ID",3} {"PID",8} {"KIND",-9} {"RESTARTS",8}  RESOURCES").ConfigureAwait(false);
            foreach (var (node, m) in rows)
            {
                await output.WriteLineAsync(
                    $"{node,-10} {m.Id,3} {m.Pid,8} {(m.Dedicated ? "dedicated" : "shared"),-9} {m.Restarts,8}  {string.Join(", ", m.Resources)}")
                    .ConfigureAwait(false);
            }

            return 0;
        });
        return list;
    }

    private static Command CreateKill()
    {
        var id = new Option<int?>("--id") { Description = "The monitor's id (see monitor list)" };
        var resource = new Option<string?>("--resource") { Description = "Kill the monitor hosting this resource" };
        var kill = new Command("kill", "Kill a monitor's RHS process for real (SIGKILL); the node notices and recovers")
        {
            id, resource, NodeConnections.NodeOption,
        };
        kill.Validators.Add(result =>
        {
            if ((result.GetValue(id) is null) == (result.GetValue(resource) is null))
            {
                result.AddError("Name exactly one of --id and --resource.");
            }
        });
        kill.SetHandler(async (parseResult, cancellationToken) =>
        {
            // A monitor id is per node (--node, or the only node); a resource's monitor is where the resource is hosted.
            using var client = parseResult.GetValue(resource) is { } hosted
                ? await NodeConnections.ConnectToHostOfAsync(parseResult, hosted, cancellationToken).ConfigureAwait(false)
                : NodeConnections.ConnectOne(parseResult);
            var request = parseResult.GetValue(id) is { } monitorId
                ? new KillMonitorRequest { MonitorId = monitorId }
                : new KillMonitorRequest { Resource = parseResult.GetValue(resource)! };
            var response = await client.KillMonitor(request, cancellationToken).ConfigureAwait(false);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                $"killed RHS process {response.Pid} (monitor {response.MonitorId} on {client.NodeName})").ConfigureAwait(false);
            return 0;
        });
        return kill;
    }
}
