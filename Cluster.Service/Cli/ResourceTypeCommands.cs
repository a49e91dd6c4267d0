using System.CommandLine;
using System.Text.Json.Nodes;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Rhs.V1;

namespace Cluster.Service.Cli;

/// <summary>`cluster resourcetype ...`: the resource types registered in the cluster store.</summary>
internal static class ResourceTypeCommands
{
    public static Command Create()
    {
        var command = new Command("resourcetype", "Register and list resource types (resource DLLs)");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRegister());
        return command;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "The registered resource types, as their DLLs describe them") { CommonOptions.Json, NodeConnections.NodeOption };
        list.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = await NodeConnections.ConnectAnyAsync(parseResult, cancellationToken).ConfigureAwait(false); // the registry is cluster-wide
            var types = (await client.ListResourceTypes(cancellationToken).ConfigureAwait(false)).ResourceTypes;
            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, new JsonArray([.. types.Select(t => (JsonNode)Json(t))])).ConfigureAwait(false);
                return 0;
            }

            var output = parseResult.InvocationConfiguration.Output;
            foreach (var type in types)
            {
                await output.WriteLineAsync($"{type.Name}  ({type.DllPath})").ConfigureAwait(false);
                await output.WriteLineAsync($"  entry points: {string.Join(", ", type.EntryPoints)}").ConfigureAwait(false);
                foreach (var property in type.Properties)
                {
                    await output.WriteLineAsync(
                        $"  {property.Name,-22} {property.Kind,-8} {(property.Required ? "required" : $"default '{property.DefaultValue}'"),-20} {property.Description}")
                        .ConfigureAwait(false);
                }
            }

            return 0;
        });
        return list;
    }

    private static Command CreateRegister()
    {
        var name = new Argument<string>("name") { Description = "The type's name, as its DLL declares it ([ResourceType])" };
        var dll = new Option<string>("--dll") { Description = "The resource DLL", Required = true };
        var register = new Command("register", "Register a resource type; its DLL must load in an RHS first") { name, dll, NodeConnections.NodeOption };
        register.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = await NodeConnections.ConnectAnyAsync(parseResult, cancellationToken).ConfigureAwait(false); // the registry is cluster-wide
            var response = await client.RegisterResourceType(
                new RegisterResourceTypeRequest { Name = parseResult.GetValue(name)!, DllPath = Path.GetFullPath(parseResult.GetValue(dll)!) },
                cancellationToken).ConfigureAwait(false);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                $"registered {response.Info.Name} from {response.Info.DllPath}").ConfigureAwait(false);
            return 0;
        });
        return register;
    }

    private static JsonObject Json(ResourceTypeInfo type) => new()
    {
        ["name"] = type.Name,
        ["dllPath"] = type.DllPath,
        ["entryPoints"] = new JsonArray([.. type.EntryPoints.Select(e => (JsonNode)JsonValue.Create(e))]),
        ["looksAlivePollIntervalMs"] = type.LooksAlivePollIntervalMs,
        ["isAlivePollIntervalMs"] = type.IsAlivePollIntervalMs,
        ["properties"] = new JsonArray([.. type.Properties.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Name,
            ["kind"] = p.Kind.ToString(),
            ["required"] = p.Required,
            ["default"] = p.DefaultValue,
            ["description"] = p.Description,
        })]),
    };
}
