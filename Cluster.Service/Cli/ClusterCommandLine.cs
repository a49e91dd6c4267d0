using System.CommandLine;

namespace Cluster.Service.Cli;

/// <summary>The `cluster` command tree.</summary>
internal static class ClusterCommandLine
{
    /// <summary>Every verb, by name, and how to build it: a call builds only the verb it names.</summary>
    internal static readonly IReadOnlyList<(string Name, Func<Command> Create)> Verbs =
    [
        ("up", UpCommand.CreateUp),
        ("down", UpCommand.CreateDown),
        ("node", NodeCommands.Create),
        ("status", StatusCommand.Create),
        ("resourcetype", ResourceTypeCommands.Create),
        ("group", GroupCommands.Create),
        ("monitor", MonitorCommands.Create),
        ("resource", ResourceCommands.Create),
        ("apply", ApplyCommand.Create),
        ("config", ConfigCommands.Create),
        ("sim-app", SimAppCommand.Create),
        ("log", LogCommands.Create),
        ("trace", TraceCommand.Create),
        ("scenario", ScenarioCommands.Create),
        ("bench", BenchCommands.Create),
        ("lab", LabCommands.Create),
    ];

    /// <summary>The whole tree.</summary>
    public static RootCommand Create() => Create([]);

    /// <summary>
    /// The tree for <paramref name="args"/>: when they start with a verb, only that verb is built (a third of a
    /// `--help`'s start-up went to building the fifteen), else every verb, so that help and "did you mean" see them all.
    /// </summary>
    public static RootCommand Create(IReadOnlyList<string> args)
    {
        var root = new RootCommand(
            "cluster: a failover-cluster simulator on real processes, modelled on Windows Server Failover Clustering.")
        {
            CommonOptions.Directory,
        };
        var named = args.Count > 0 ? Verbs.FirstOrDefault(v => v.Name == args[0]) : default;
        foreach (var (_, create) in named.Create is null ? Verbs : [named])
        {
            root.Subcommands.Add(create());
        }

        return root;
    }
}
