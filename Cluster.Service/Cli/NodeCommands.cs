using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Grpc;
using Cluster.Service.Admin;
using Cluster.Service.Node;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Cli;

/// <summary>`cluster node ...`: run a node, list the nodes.</summary>
internal static class NodeCommands
{
    public static Command Create()
    {
        var node = new Command("node", "Run and inspect cluster nodes");
        node.Subcommands.Add(CreateRun());
        node.Subcommands.Add(CreateList());
        return node;
    }

    private static Command CreateRun()
    {
        var name = new Option<string>("--name") { Description = "The node's name (letters, digits, '-' and '_')", Required = true };
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!NodeNames.IsValid(value))
            {
                result.AddError($"Node name '{value}' is not valid: use 1 to 63 letters, digits, '-' or '_'.");
            }
        });
        var deadlock = new Option<uint>("--deadlock-timeout-ms")
        {
            Description = "The node's DeadlockTimeout: resources that set none, and RHS health pings (default 300000, as WSFC)",
            DefaultValueFactory = _ => 300_000,
        };
        deadlock.AtLeast(100u);
        var run = new Command("run", "Run one node in the foreground until Ctrl-C") { name, deadlock };
        run.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var loggerFactory = LoggerFactory.Create(builder => builder
                .AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss.fff ";
                })
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter("Microsoft", LogLevel.Warning)); // Kestrel's per-request lines drown the node's own
            var host = new NodeHost(
                new NodeOptions
                {
                    Name = parseResult.GetValue(name)!,
                    Directory = CommonOptions.ResolveDirectory(parseResult),
                    DeadlockTimeout = TimeSpan.FromMilliseconds(parseResult.GetValue(deadlock)),
                },
                loggerFactory);
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return run;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List the nodes of the cluster and whether they answer") { CommonOptions.Json };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            var rows = await NodeConnections.ProbeAllAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. rows.Select(r => (JsonNode)ClusterJson.Node(r.Record, r.State))]))
                    .ConfigureAwait(false);
            }
            else
            {
                await output.WriteLineAsync($"{"NAME",-12} {"STATE",-8} {"PID",8}  ENDPOINT").ConfigureAwait(false);
                foreach (var (record, state) in rows)
                {
                    await output.WriteLineAsync($"{record.Name,-12} {state,-8} {record.Pid,8}  {record.Endpoint}").ConfigureAwait(false);
                }
            }

            return 0;
        });
        return list;
    }
}
