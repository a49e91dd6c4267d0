using System.CommandLine;
using System.Text.Json;
using Cluster.Service.ClusterLog;

namespace Cluster.Service.Cli;

/// <summary>`cluster log`: the cluster log of every node, as cluster.log prints it or as JSON lines.</summary>
internal static class LogCommands
{
    public static Command Create()
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new entries until Ctrl-C" };
        var since = SinceOption.Create("entries");
        var log = new Command("log", "Print the cluster log: every state change and decision, with its cause and event id")
        {
            follow, since, CommonOptions.Json, NodeConnections.NodeOption,
        };
        log.SetHandler(async (parseResult, cancellationToken) =>
        {
            var directory = CommonOptions.ResolveDirectory(parseResult);
            var reader = new ClusterLogReader(directory.LogsPath);
            var from = SinceOption.ValueOf(parseResult, since, DateTimeOffset.UtcNow);
            var node = parseResult.GetValue(NodeConnections.NodeOption);
            var json = parseResult.GetValue(CommonOptions.Json);
            var output = parseResult.InvocationConfiguration.Output;
            var entries = parseResult.GetValue(follow)
                ? reader.FollowAsync(from, node, TimeSpan.FromMilliseconds(100), cancellationToken)
                : reader.Read(from, node).ToAsyncEnumerable();
            await foreach (var entry in entries.ConfigureAwait(false))
            {
                await output.WriteLineAsync(json ? JsonSerializer.Serialize(entry, ClusterLogJson.Default.ClusterLogEntry) : entry.Format())
                    .ConfigureAwait(false);
                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return 0;
        });
        return log;
    }
}
