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

    /// <summary>--store for a verb that takes a store's location (`sqlite` or `etcd://HOST:PORT[,...]`); bad text is a parse error naming it.</summary>
    public static Option<Store.StoreLocation?> StoreLocation(string description) => new("--store")
    {
        Description = description,
        CustomParser = result =>
        {
            try
            {
                return Store.StoreLocation.Parse(result.Tokens.Single().Value);
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
                return null;
            }
        },
    };

    public static ClusterDirectory ResolveDirectory(ParseResult parseResult) =>
        ClusterDirectory.Resolve(parseResult.GetValue(Directory));
}
