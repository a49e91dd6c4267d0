using System.Text.Json.Nodes;
using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Cli;

/// <summary>
/// The JSON shapes of nodes, groups, resources and monitors, shared by the list verbs and `status`.
/// Scripts and scenario tests rely on these names.
/// </summary>
internal static class ClusterJson
{
    public static JsonObject Node(ClusterNode node) => new()
    {
        ["name"] = node.Name,
        ["state"] = node.State,
        ["pid"] = node.Pid == 0 ? null : node.Pid,
        ["endpoint"] = node.Endpoint.Length > 0 ? node.Endpoint : null,
        ["groups"] = new JsonArray([.. node.Groups.Select(g => (JsonNode)JsonValue.Create(g))]),
        ["coordinator"] = node.Coordinator,
    };

    public static JsonObject Group(Group group) => new()
    {
        ["name"] = group.Name,
        ["state"] = group.State,
        ["node"] = group.Node.Length > 0 ? group.Node : null,
        ["preferredOwners"] = new JsonArray([.. group.PreferredOwners.Select(o => (JsonNode)JsonValue.Create(o))]),
        ["resources"] = new JsonArray([.. group.Resources.Select(r => (JsonNode)JsonValue.Create(r))]),
    };

    public static JsonObject Resource(Resource resource)
    {
        var item = new JsonObject
        {
            ["name"] = resource.Name,
            ["group"] = resource.Group.Length > 0 ? resource.Group : null,
            ["type"] = resource.Type,
            ["state"] = StateNames.Of(resource.State),
            ["node"] = resource.Node.Length > 0 ? resource.Node : null,
            ["monitor"] = resource.Hosted ? resource.MonitorId : null,
            ["persistentState"] = StateNames.Of(resource.PersistentState),
            ["restartCount"] = resource.RestartCount,
        };
        if (resource.ApplicationPid != 0)
        {
            item["applicationPid"] = resource.ApplicationPid;
        }

        return item;
    }

    public static JsonObject Monitor(string node, Protocol.Admin.V1.Monitor monitor) => new()
    {
        ["node"] = node,
        ["id"] = monitor.Id,
        ["pid"] = monitor.Pid,
        ["dedicated"] = monitor.Dedicated,
        ["resources"] = new JsonArray([.. monitor.Resources.Select(n => (JsonNode)JsonValue.Create(n))]),
        ["started"] = DateTimeOffset.FromUnixTimeMilliseconds(monitor.StartedUnixMs).ToString("O"),
        ["restarts"] = monitor.Restarts,
    };
}
