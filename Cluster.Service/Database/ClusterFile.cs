using Cluster.Protocol.Admin.V1;
using Group = Cluster.Protocol.Config.V1.Group;
using Resource = Cluster.Protocol.Config.V1.Resource;
using Cluster.Protocol.Config.V1;
using Cluster.Protocol;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cluster.Service.Database;

/// <summary>
/// The YAML file of `cluster apply -f`: groups, each with its resources. Keys other than name, type,
/// resources, properties and persistentState are common properties by their WSFC names, in any case
/// (restartDelay, PreferredOwners...); a list is a list of names. Errors name the file, line and column.
/// </summary>
/// <example>
/// groups:
///   - name: web
///     preferredOwners: [n1, n2]
///     persistentState: Online
///     resources:
///       - name: web-ip
///         type: IPAddress
///         properties: { Address: 10.0.0.5 }
///       - name: web-server
///         type: GenericApplication
///         dependsOn: [web-ip]
///         restartDelay: 0
///         properties: { CommandLine: "sleep 3600" }
/// </example>
internal static class ClusterFile
{
    /// <exception cref="ClusterUserException">The file is not valid YAML or not of this shape; the message says where.</exception>
    /// <summary>Larger than any cluster a person writes by hand, small enough that /dev/zero is refused at once.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>Reads and parses a cluster file, refusing what is not one: a directory, a file over <see cref="MaxBytes"/>, nothing to apply.</summary>
    /// <exception cref="ClusterUserException">The file cannot be applied; the message says why.</exception>
    public static async Task<ApplyRequest> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            throw new ClusterUserException($"{path} is a directory: name a YAML file (see samples/).");
        }

        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterUserException($"{path} cannot be read: {e.Message}");
        }

        if (length > MaxBytes)
        {
            throw new ClusterUserException($"{path} is larger than {MaxBytes / (1024 * 1024)} MiB: a cluster file is YAML of groups and resources (see samples/).");
        }

        var request = Parse(System.Text.Encoding.UTF8.GetString(buffer, 0, length), Path.GetFileName(path));
        return request.Groups.Count == 0
            ? throw new ClusterUserException($"{path} declares no groups: there is nothing to apply (see samples/).")
            : request;
    }

    public static ApplyRequest Parse(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ClusterUserException($"{path}:{e.Start.Line}:{e.Start.Column}: {e.Message}");
        }

        return stream.Documents.Count == 0
            ? new ApplyRequest()
            : Parse(YamlNodes.Mapping(path, stream.Documents[0].RootNode, "the file"), path);
    }

    /// <summary>A cluster file's mapping (<c>groups:</c>), also when it sits inside another file (a scenario's <c>apply:</c>).</summary>
    public static ApplyRequest Parse(YamlMappingNode root, string path)
    {
        var request = new ApplyRequest();
        foreach (var (key, value) in YamlNodes.Entries(path, root, "the file", ["groups"]))
        {
            foreach (var item in YamlNodes.Sequence(path, value, key))
            {
                ParseGroup(path, YamlNodes.Mapping(path, item, "a group"), request);
            }
        }

        return request;
    }

    private static void ParseGroup(string path, YamlMappingNode node, ApplyRequest request)
    {
        var group = new Group { Name = YamlNodes.Required(path, node, "name", "a group") };
        var what = $"group {group.Name}";
        foreach (var (key, value) in YamlNodes.Entries(path, node, what, ["name", "resources", "persistentState", .. CommonProperties.GroupNames], NamedQuantities.WeightPrefix))
        {
            switch (key)
            {
                case "name":
                    break;
                case "resources":
                    foreach (var item in YamlNodes.Sequence(path, value, $"resources of {what}"))
                    {
                        request.Resources.Add(ParseResource(path, YamlNodes.Mapping(path, item, $"a resource of {what}"), group.Name));
                    }

                    break;
                case "persistentState":
                    request.GroupOnline[group.Name] = YamlNodes.Text(path, value, key) switch
                    {
                        "Online" => true,
                        "Offline" => false,
                        var other => throw YamlNodes.Error(path, value, $"persistentState of {what} must be Online or Offline, not '{other}'"),
                    };
                    break;
                default:
                    At(path, value, () => CommonProperties.SetOnGroup(group, key, YamlNodes.Text(path, value, key)));
                    break;
            }
        }

        request.Groups.Add(group);
    }

    private static Resource ParseResource(string path, YamlMappingNode node, string group)
    {
        var resource = new Resource { Name = YamlNodes.Required(path, node, "name", $"a resource of group {group}"), Group = group };
        var what = $"resource {resource.Name}";
        foreach (var (key, value) in YamlNodes.Entries(path, node, what, ["name", "type", "properties", .. CommonProperties.ResourceNames]))
        {
            switch (key)
            {
                case "name":
                    break;
                case "type":
                    resource.Type = YamlNodes.Text(path, value, key);
                    break;
                case "properties":
                    foreach (var (name, property) in YamlNodes.Entries(path, YamlNodes.Mapping(path, value, $"properties of {what}"), what, null))
                    {
                        resource.Properties[name] = YamlNodes.Text(path, property, name);
                    }

                    break;
                default:
                    At(path, value, () => CommonProperties.SetOnResource(resource, key, YamlNodes.Text(path, value, key)));
                    break;
            }
        }

        if (resource.Type.Length == 0)
        {
            throw YamlNodes.Error(path, node, $"{what} needs a type");
        }

        return resource;
    }

    private static void At(string path, YamlNode node, Action parse)
    {
        try
        {
            parse();
        }
        catch (ClusterException e)
        {
            throw YamlNodes.Error(path, node, e.Message);
        }
    }
}
