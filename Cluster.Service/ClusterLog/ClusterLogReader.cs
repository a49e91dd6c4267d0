using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Cluster.Service.ClusterLog;

/// <summary>Reads the cluster logs of every node in a directory, merged by time; and follows them.</summary>
internal sealed class ClusterLogReader(string logsDirectory)
{
    /// <summary>Every entry at or after <paramref name="since"/> (of <paramref name="node"/> only, if given), oldest first.</summary>
    public IReadOnlyList<ClusterLogEntry> Read(DateTimeOffset? since = null, string? node = null)
    {
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        return ReadNew(positions, since, node);
    }

    /// <summary>What is there now, then each new entry as it is written, until cancelled.</summary>
    public async IAsyncEnumerable<ClusterLogEntry> FollowAsync(
        DateTimeOffset? since, string? node, TimeSpan pollInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var entry in ReadNew(positions, since, node))
            {
                yield return entry;
            }

            try
            {
                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>Entries written since the remembered position of each file; only whole lines count.</summary>
    private List<ClusterLogEntry> ReadNew(Dictionary<string, long> positions, DateTimeOffset? since, string? node)
    {
        var entries = new List<ClusterLogEntry>();
        if (!Directory.Exists(logsDirectory))
        {
            return entries;
        }

        foreach (var path in Directory.EnumerateFiles(logsDirectory, "*.log"))
        {
            if (node is not null && Path.GetFileNameWithoutExtension(path) != node)
            {
                continue;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var start = positions.GetValueOrDefault(path);
            file.Seek(start, SeekOrigin.Begin);
            using var reader = new StreamReader(file);
            var text = reader.ReadToEnd();
            var complete = text.LastIndexOf('\n') + 1; // a line still being written waits for the next read
            positions[path] = start + System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, complete));
            foreach (var line in text[..complete].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (Parse(line) is { } entry && (since is null || entry.Time >= since))
                {
                    entries.Add(entry);
                }
            }
        }

        return [.. entries.OrderBy(e => e.Time)];
    }

    private static ClusterLogEntry? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ClusterLogJson.Default.ClusterLogEntry);
        }
        catch (JsonException)
        {
            return null; // a line torn by a crash
        }
    }
}
