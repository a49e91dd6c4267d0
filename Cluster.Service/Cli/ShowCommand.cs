using System.CommandLine;
using System.Text.Json.Nodes;
using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Cli;

/// <summary>
/// `resource show R`, `group show G`, `node show N`: every common property with the value in force and
/// whether it is the default (a resource's private properties too), as text or --json.
/// </summary>
internal static class ShowCommand
{
    public static Command Create(string noun, Func<string, ShowRequest> request)
    {
        var name = new Argument<string>("name") { Description = $"The {noun}" };
        var show = new Command("show", $"Every property of a {noun}: the value in force, and whether it is the default")
        {
            name, CommonOptions.Json, NodeConnections.NodeOption,
        };
        show.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = await NodeConnections.ConnectAnyAsync(parseResult, cancellationToken).ConfigureAwait(false);
            var shown = await client.Show(request(parseResult.GetValue(name)!), cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(CommonOptions.Json))
            {
                await JsonOutput.WriteAsync(parseResult, ToJson(shown)).ConfigureAwait(false);
            }
            else
            {
                await parseResult.InvocationConfiguration.Output.WriteAsync(ToText(shown)).ConfigureAwait(false);
            }

            return 0;
        });
        return show;
    }

    private static string ToText(ShowResponse shown)
    {
        using var text = new StringWriter();
        text.Write($"{shown.Kind} {shown.Name}");
        if (shown.Kind == "resource")
        {
            text.Write($" (type {shown.Type}, group {shown.Group})");
        }
        else if (shown.Kind == "group")
        {
            text.Write($" (resources: {(shown.Resources.Count == 0 ? "none" : string.Join(", ", shown.Resources))})");
        }

        text.WriteLine();
        text.WriteLine($"{"PROPERTY",-24} {"VALUE",-40} SOURCE");
        foreach (var property in shown.Properties)
        {
            text.WriteLine($"{property.Name,-24} {property.Value,-40} {(property.IsDefault ? "default" : "set")}");
        }

        if (shown.Kind == "resource")
        {
            text.WriteLine(shown.PrivateProperties.Count == 0 ? "PRIVATE PROPERTIES: none" : "PRIVATE PROPERTIES");
            foreach (var (key, value) in shown.PrivateProperties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.WriteLine($"{key,-24} {value}");
            }

            text.WriteLine($"(DeadlockTimeout's default is node {shown.AnsweredBy}'s)");
        }

        return text.ToString();
    }

    private static JsonObject ToJson(ShowResponse shown)
    {
        var json = new JsonObject
        {
            ["kind"] = shown.Kind,
            ["name"] = shown.Name,
            ["properties"] = new JsonArray([.. shown.Properties.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["value"] = p.Value,
                ["default"] = p.IsDefault,
            })]),
            ["answeredBy"] = shown.AnsweredBy,
        };
        if (shown.Kind == "resource")
        {
            json["type"] = shown.Type;
            json["group"] = shown.Group;
            json["privateProperties"] = new JsonObject(shown.PrivateProperties.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        }
        else if (shown.Kind == "group")
        {
            json["resources"] = new JsonArray([.. shown.Resources.Select(r => (JsonNode)r)]);
        }

        return json;
    }
}
