using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cluster.Service.ClusterLog;

namespace Cluster.Service.Cli;

/// <summary>`cluster log`: the cluster log of every node, as cluster.log prints it or as JSON lines.</summary>
internal static class LogCommands
{
    public static Command Create()
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new entries until Ctrl-C" };
        var since = new Option<string?>("--since") { Description = "Only entries from this time (2026-11-22T10:00:00Z) or this long ago (30s, 5m, 2h, 1d)" };
        since.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !TryParseSince(text, DateTimeOffset.UtcNow, out _))
            {
                result.AddError($"--since '{text}' is neither a time (2026-11-22T10:00:00Z) nor a duration (30s, 5m, 2h, 1d).");
            }
        });
        var log = new Command("log", "Print the cluster log: every state change and decision, with its cause and event id")
        {
            follow, since, CommonOptions.Json, NodeConnections.NodeOption,
        };
        log.SetHandler(async (parseResult, cancellationToken) =>
        {
            var directory = CommonOptions.ResolveDirectory(parseResult);
            var reader = new ClusterLogReader(directory.LogsPath);
            var from = parseResult.GetValue(since) is { } text && TryParseSince(text, DateTimeOffset.UtcNow, out var parsed) ? parsed : (DateTimeOffset?)null;
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

    /// <summary>An absolute time, or a duration ago (s, m, h, d).</summary>
    public static bool TryParseSince(string text, DateTimeOffset now, out DateTimeOffset since)
    {
        since = default;
        if (text.Length >= 2 && "smhd".Contains(text[^1], StringComparison.Ordinal)
            && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            since = now - text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out since);
    }
}
