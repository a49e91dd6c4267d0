using System.CommandLine;
using System.Text.Json.Nodes;
using Cluster.Contracts.Admin.V1;

namespace Cluster.Service.Cli;

/// <summary>`cluster resource ...`.</summary>
internal static class ResourceCommands
{
    public static Command Create()
    {
        var resource = new Command("resource", "Host and inspect resources");
        resource.Subcommands.Add(CreateHost());
        resource.Subcommands.Add(CreateList());
        return resource;
    }

    private static Command CreateHost()
    {
        var name = new Argument<string>("name") { Description = "The resource's name" };
        var type = new Option<string>("--type") { Description = "Its resource type (built in: GenericApplication, FaultInjection)", Required = true };
        var dll = new Option<string?>("--dll") { Description = "The resource DLL of a type that is not built in" };
        var props = new Option<string[]>("--prop") { Description = "A private property, NAME=VALUE (repeatable)", AllowMultipleArgumentsPerToken = false };
        props.Validators.Add(PropertyArguments.Validate);
        var separate = new Option<bool>("--separate-monitor") { Description = "Host it in its own RHS process" };
        var timings = new[]
        {
            new Option<uint>("--looks-alive-ms") { Description = "LooksAlivePollInterval (default: the type's)" },
            new Option<uint>("--is-alive-ms") { Description = "IsAlivePollInterval (default: the type's)" },
            new Option<uint>("--pending-timeout-ms") { Description = "PendingTimeout (default 180000)" },
            new Option<uint>("--deadlock-timeout-ms") { Description = "DeadlockTimeout (default: the node's)" },
        };
        var host = new Command(
            "host",
            "Open a resource on a node and bring it online. Interim verb, until groups and the resource control manager arrive.")
        {
            name, type, dll, props, separate, NodeConnections.NodeOption,
        };
        foreach (var timing in timings)
        {
            host.Options.Add(timing);
        }

        host.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = NodeConnections.ConnectOne(parseResult);
            var request = new HostResourceRequest
            {
                Name = parseResult.GetValue(name)!,
                Type = parseResult.GetValue(type)!,
                DllPath = parseResult.GetValue(dll) is { } path ? Path.GetFullPath(path) : string.Empty,
                SeparateMonitor = parseResult.GetValue(separate),
                LooksAlivePollIntervalMs = parseResult.GetValue(timings[0]),
                IsAlivePollIntervalMs = parseResult.GetValue(timings[1]),
                PendingTimeoutMs = parseResult.GetValue(timings[2]),
                DeadlockTimeoutMs = parseResult.GetValue(timings[3]),
            };
            request.Properties.Add(PropertyArguments.Parse(parseResult.GetValue(props) ?? []));
            var response = await client.HostResource(request, cancellationToken).ConfigureAwait(false);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                $"{request.Name}: {StateNames.Of(response.State)} on {client.NodeName}, monitor {response.MonitorId}").ConfigureAwait(false);
            return 0;
        });
        return host;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List the resources of every node") { CommonOptions.Json, NodeConnections.NodeOption };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            var rows = new List<(string Node, Contracts.Admin.V1.Resource Resource)>();
            foreach (var client in NodeConnections.ConnectAll(parseResult))
            {
                using (client)
                {
                    var response = await client.ListResources(cancellationToken).ConfigureAwait(false);
                    rows.AddRange(response.Resources.Select(r => (response.Node, r)));
                }
            }

            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. rows.Select(r =>
                {
                    var item = new JsonObject
                    {
                        ["name"] = r.Resource.Name,
                        ["type"] = r.Resource.Type,
                        ["state"] = StateNames.Of(r.Resource.State),
                        ["node"] = r.Node,
                        ["monitor"] = r.Resource.MonitorId,
                    };
                    if (r.Resource.ApplicationPid != 0)
                    {
                        item["applicationPid"] = r.Resource.ApplicationPid;
                    }

                    return (JsonNode)item;
                })])).ConfigureAwait(false);
                return 0;
            }

            var output = parseResult.InvocationConfiguration.Output;
            await output.WriteLineAsync($"{"NAME",-20} {"TYPE",-20} {"STATE",-15} {"NODE",-10} {"MONITOR",7} {"APP PID",8}").ConfigureAwait(false);
            foreach (var (node, r) in rows)
            {
                await output.WriteLineAsync(
                    $"{r.Name,-20} {r.Type,-20} {StateNames.Of(r.State),-15} {node,-10} {r.MonitorId,7} {(r.ApplicationPid == 0 ? "" : r.ApplicationPid),8}")
                    .ConfigureAwait(false);
            }

            return 0;
        });
        return list;
    }
}
