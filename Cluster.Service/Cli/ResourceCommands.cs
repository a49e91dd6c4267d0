using System.CommandLine;
using System.Text.Json.Nodes;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Database;

namespace Cluster.Service.Cli;

/// <summary>`cluster resource ...`.</summary>
internal static class ResourceCommands
{
    public static Command Create()
    {
        var resource = new Command("resource", "Create, change, inspect and operate resources");
        resource.Subcommands.Add(CreateCreate());
        resource.Subcommands.Add(CreateDelete());
        resource.Subcommands.Add(CreateSet());
        resource.Subcommands.Add(CreateList());
        resource.Subcommands.Add(ShowCommand.Create("resource", name => new Protocol.Admin.V1.ShowRequest { Resource = name }));
        resource.Subcommands.Add(PersistentStateCommand.Create(
            "online", "Bring a resource online (with what it depends on); its persistent state becomes Online", "resource", online: true));
        resource.Subcommands.Add(PersistentStateCommand.Create(
            "offline", "Take a resource offline (with what depends on it); its persistent state becomes Offline, and it is left alone", "resource", online: false));
        resource.Subcommands.Add(CreateControl());
        resource.Subcommands.Add(CreateFail());
        return resource;
    }

    private static Command CreateCreate()
    {
        var name = new Argument<string>("name") { Description = "The resource's name" };
        var group = new Option<string>("--group") { Description = "The group it belongs to", Required = true };
        var type = new Option<string>("--type") { Description = "Its resource type (see `cluster resourcetype list`)", Required = true };
        var props = new Option<string[]>("--prop")
        {
            Description = "NAME=VALUE (repeatable): a private property of its type, or a common one such as RestartAction, RestartDelay, DeadlockTimeout",
        };
        props.Validators.Add(PropertyArguments.Validate);
        var dependsOn = new Option<string[]>("--depends-on") { Description = "A resource of the same group it depends on (repeatable)" };
        var separate = new Option<bool>("--separate-monitor") { Description = "Host it in its own RHS process" };
        var create = new Command("create", "Create a resource in a group (its persistent state is Offline)")
        {
            name, group, type, props, dependsOn, separate, NodeConnections.NodeOption,
        };
        create.SetHandler((parseResult, cancellationToken) =>
        {
            var resource = new Protocol.Config.V1.Resource
            {
                Name = parseResult.GetValue(name)!,
                Group = parseResult.GetValue(group)!,
                Type = parseResult.GetValue(type)!,
                SeparateMonitor = parseResult.GetValue(separate),
            };
            resource.DependsOn.AddRange(parseResult.GetValue(dependsOn) ?? []);
            foreach (var (key, value) in PropertyArguments.Parse(parseResult.GetValue(props) ?? []))
            {
                CommonProperties.SetOnResource(resource, key, value);
            }

            return DatabaseChange.SendAsync(parseResult, new CreateResourceRequest { Resource = resource }, cancellationToken);
        });
        return create;
    }

    private static Command CreateDelete()
    {
        var name = new Argument<string>("name") { Description = "The resource" };
        var delete = new Command("delete", "Delete a resource nothing depends on; its node takes it offline and closes it") { name, NodeConnections.NodeOption };
        delete.SetHandler((parseResult, cancellationToken) =>
            DatabaseChange.SendAsync(parseResult, new DeleteResourceRequest { Name = parseResult.GetValue(name)! }, cancellationToken));
        return delete;
    }

    private static Command CreateSet()
    {
        var name = new Argument<string>("name") { Description = "The resource" };
        var settings = DatabaseChange.SettingsArgument(
            $"NAME=VALUE: a common property ({string.Join(", ", CommonProperties.ResourceNames)}) or a private one; an empty value restores the default");
        var set = new Command("set", "Set properties of a resource; a running resource takes new settings at its next Online")
        {
            name, settings, NodeConnections.NodeOption,
        };
        set.SetHandler((parseResult, cancellationToken) =>
        {
            var request = new SetResourceRequest { Name = parseResult.GetValue(name)! };
            request.Settings.Add(PropertyArguments.Parse(parseResult.GetValue(settings) ?? []));
            return DatabaseChange.SendAsync(parseResult, request, cancellationToken);
        });
        return set;
    }

    private static Command CreateControl()
    {
        var name = new Argument<string>("name") { Description = "The resource" };
        var code = new Argument<string>("code") { Description = "The control code, e.g. Set or Get for FaultInjection" };
        var arguments = new Argument<string[]>("arguments") { Description = "NAME=VALUE arguments", Arity = ArgumentArity.ZeroOrMore };
        arguments.Validators.Add(PropertyArguments.Validate);
        var control = new Command("control", "Send a control code to a resource's DLL") { name, code, arguments, NodeConnections.NodeOption };
        control.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = await NodeConnections.ConnectToHostOfAsync(parseResult, parseResult.GetValue(name)!, cancellationToken).ConfigureAwait(false);
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
            using var client = await NodeConnections.ConnectToHostOfAsync(parseResult, parseResult.GetValue(name)!, cancellationToken).ConfigureAwait(false);
            await client.FailResource(new FailResourceRequest { Resource = parseResult.GetValue(name)! }, cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return fail;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List the resources of the cluster, with their states and where they run") { CommonOptions.Json, NodeConnections.NodeOption };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            var rows = await NodeConnections.ListResourcesAsync(parseResult, cancellationToken).ConfigureAwait(false);

            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. rows.Select(r => (JsonNode)ClusterJson.Resource(r))])).ConfigureAwait(false);
                return 0;
            }

            var output = parseResult.InvocationConfiguration.Output;
            await output.WriteLineAsync($"{"NAME",-20} {"GROUP",-16} {"TYPE",-20} {"STATE",-15} {"NODE",-10} {"MONITOR",7} {"APP PID",8}").ConfigureAwait(false);
            foreach (var r in rows)
            {
                await output.WriteLineAsync(
                    $"{r.Name,-20} {r.Group,-16} {r.Type,-20} {StateNames.Of(r.State),-15} {r.Node,-10} {(r.Hosted ? r.MonitorId : ""),7} {(r.ApplicationPid == 0 ? "" : r.ApplicationPid),8}")
                    .ConfigureAwait(false);
            }

            return 0;
        });
        return list;
    }
}
