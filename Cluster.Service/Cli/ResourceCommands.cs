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
        resource.Subcommands.Add(PersistentStateCommand.Create(
            "online", "Bring a resource online (with what it depends on); its persistent state becomes Online", "resource",
            name => new SetPersistentStateRequest { Resource = name, Online = true }));
        resource.Subcommands.Add(PersistentStateCommand.Create(
            "offline", "Take a resource offline (with what depends on it); its persistent state becomes Offline, and it is left alone", "resource",
            name => new SetPersistentStateRequest { Resource = name, Online = false }));
        resource.Subcommands.Add(CreateControl());
        resource.Subcommands.Add(CreateFail());
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

    private static Command CreateControl()
    {
        var name = new Argument<string>("name") { Description = "The resource" };
        var code = new Argument<string>("code") { Description = "The control code, e.g. Set or Get for FaultInjection" };
        var arguments = new Argument<string[]>("arguments") { Description = "NAME=VALUE arguments", Arity = ArgumentArity.ZeroOrMore };
        arguments.Validators.Add(result =>
        {
            foreach (var item in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (item.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    result.AddError($"'{item}' is not NAME=VALUE.");
                }
            }
        });
        var control = new Command("control", "Send a control code to a resource's DLL") { name, code, arguments, NodeConnections.NodeOption };
        control.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = NodeConnections.ConnectOne(parseResult);
            var request = new ControlResourceRequest { Resource = parseResult.GetValue(name)!, Code = parseResult.GetValue(code)! };
            request.Arguments.Add(PropertyArguments.Parse(parseResult.GetValue(arguments) ?? []));
            var response = await client.ControlResource(request, cancellationToken).ConfigureAwait(false);
            foreach (var (key, value) in response.Output.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                await parseResult.InvocationConfiguration.Output.WriteLineAsync($"{key}={value}").ConfigureAwait(false);
            }

            return 0;
        });
        return control;
    }

    private static Command CreateFail()
    {
        var name = new Argument<string>("name") { Description = "The resource" };
        var fail = new Command("fail", "Simulate a failure of an Online resource and let the policies act (Test-ClusterResourceFailure)")
        {
            name, NodeConnections.NodeOption,
        };
        fail.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = NodeConnections.ConnectOne(parseResult);
            await client.FailResource(new FailResourceRequest { Resource = parseResult.GetValue(name)! }, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return fail;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List the resources of every node") { CommonOptions.Json, NodeConnections.NodeOption };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            var rows = await NodeConnections.ListResourcesAsync(parseResult, cancellationToken).ConfigureAwait(false);

            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. rows.Select(r => (JsonNode)ClusterJson.Resource(r.Node, r.Item))]))
                    .ConfigureAwait(false);
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
