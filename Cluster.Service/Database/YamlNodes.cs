using YamlDotNet.RepresentationModel;

namespace Cluster.Service.Database;

/// <summary>Reading YAML the way the project's files are read: every error names the file, line and column.</summary>
internal static class YamlNodes
{
    /// <summary>The mapping's entries, each key checked against <paramref name="known"/> (any case; null: any key).</summary>
    /// <param name="path">The file, for errors.</param>
    /// <param name="node">The mapping.</param>
    /// <param name="what">What the mapping is, for errors ("group web").</param>
    /// <param name="known">The keys it may have (any case); null: any key.</param>
    /// <param name="knownPrefix">Keys that begin with this (any case) are known too, as written (Weight.NAME).</param>
    public static IEnumerable<(string Key, YamlNode Value)> Entries(string path, YamlMappingNode node, string what, string[]? known, string? knownPrefix = null)
    {
        foreach (var (keyNode, value) in node.Children)
        {
            var key = Text(path, keyNode, "a key");
            if (known is null || (knownPrefix is not null && key.StartsWith(knownPrefix, StringComparison.OrdinalIgnoreCase)))
            {
                yield return (key, value);
                continue;
            }

            var match = known.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
                ?? throw Error(path, keyNode, $"unknown key '{key}' in {what} (known: {string.Join(", ", known)}{(knownPrefix is null ? string.Empty : $", {knownPrefix}NAME")})");
            yield return (match, value);
        }
    }

    public static string Required(string path, YamlMappingNode node, string key, string what) =>
        node.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key).Value is { } value
            ? Text(path, value, key)
            : throw Error(path, node, $"{what} needs a {key}");

    public static YamlMappingNode Mapping(string path, YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Error(path, node, $"{what} must be a mapping (key: value)");

    public static IEnumerable<YamlNode> Sequence(string path, YamlNode node, string what) =>
        node as YamlSequenceNode ?? throw Error(path, node, $"{what} must be a list");

    /// <summary>A scalar as text; a list of scalars as a comma-separated list (DependsOn, PreferredOwners...).</summary>
    public static string Text(string path, YamlNode node, string what) => node switch
    {
        YamlScalarNode scalar => scalar.Value ?? string.Empty,
        YamlSequenceNode list => string.Join(",", list.Children.Select(item => item is YamlScalarNode s ? s.Value : throw Error(path, item, $"{what} must be a list of names"))),
        _ => throw Error(path, node, $"{what} must be a value or a list, not a mapping"),
    };

    public static ClusterUserException Error(string path, YamlNode node, string message) =>
        new($"{path}:{node.Start.Line}:{node.Start.Column}: {message.TrimEnd('.')}.");
}
