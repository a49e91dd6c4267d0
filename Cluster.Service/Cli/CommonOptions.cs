using System.CommandLine;

namespace Cluster.Service.Cli;

/// <summary>Options shared by many verbs.</summary>
internal static class CommonOptions
{
    /// <summary>--dir: the cluster directory (default ./.cluster or CLUSTER_DIR). Valid on every verb.</summary>
    public static Option<string?> Directory { get; } = new("--dir")
    {
        Description = $"The cluster directory (default: ${ClusterDirectory.EnvironmentVariable} or ./{ClusterDirectory.DefaultName})",
        Recursive = true,
    };

    public static Option<bool> Json { get; } = new("--json") { Description = "Print JSON instead of a table" };

    public static ClusterDirectory ResolveDirectory(ParseResult parseResult) =>
        ClusterDirectory.Resolve(parseResult.GetValue(Directory));
}
