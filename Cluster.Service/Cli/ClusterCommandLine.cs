using System.CommandLine;

namespace Cluster.Service.Cli;

/// <summary>The `cluster` command tree.</summary>
internal static class ClusterCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "cluster: a failover-cluster simulator on real processes, modelled on Windows Server Failover Clustering.")
        {
            CommonOptions.Directory,
        };
        root.Subcommands.Add(UpCommand.CreateUp());
        root.Subcommands.Add(UpCommand.CreateDown());
        root.Subcommands.Add(NodeCommands.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ResourceTypeCommands.Create());
        root.Subcommands.Add(GroupCommands.Create());
        root.Subcommands.Add(MonitorCommands.Create());
        root.Subcommands.Add(ResourceCommands.Create());
        root.Subcommands.Add(ApplyCommand.Create());
        root.Subcommands.Add(ConfigCommands.Create());
        root.Subcommands.Add(SimAppCommand.Create());
        root.Subcommands.Add(LogCommands.Create());
        root.Subcommands.Add(TraceCommand.Create());
        root.Subcommands.Add(ScenarioCommands.Create());
        root.Subcommands.Add(BenchCommands.Create());
        return root;
    }
}
