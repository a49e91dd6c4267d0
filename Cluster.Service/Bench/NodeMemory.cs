using System.Diagnostics;
using System.Globalization;
using Cluster.Service.Admin;

namespace Cluster.Service.Bench;

/// <summary>Starts a real idle node (one shared RHS) and reads the resident set of both processes.</summary>
internal static class NodeMemory
{
    /// <summary>The node's resident set, and each of its RHS processes' (the shared one and the warm standby).</summary>
    public static async Task<(long NodeKib, IReadOnlyList<long> RhsKib)> MeasureAsync(CancellationToken cancellationToken)
    {
        var directory = new ClusterDirectory(Path.Combine(Path.GetTempPath(), $"cluster-bench-{Environment.ProcessId}"));
        var start = SelfExecutable.StartInfo("node", ["node", "run", "--name", "bench", "--dir", directory.Root]);
        var info = new ProcessStartInfo(start.FileName) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in start.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var node = Process.Start(info)!;
        node.BeginOutputReadLine();
        try
        {
            var token = await WaitAsync(() => File.Exists(directory.TokenPath) ? directory.ReadToken() : null, cancellationToken).ConfigureAwait(false);
            var record = await WaitAsync(() => directory.ReadNodeRecords() is [var first, ..] ? first : null, cancellationToken).ConfigureAwait(false);
            using var client = AdminClient.Connect(record, token);
            await client.ListMonitors(cancellationToken).ConfigureAwait(false);
            // Let start-up allocations settle (and the standby start) before reading.
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
            return (ResidentKib(node.Id), [.. ChildrenOf(node.Id).Select(ResidentKib)]);
        }
        finally
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            Directory.Delete(directory.Root, recursive: true);
        }
    }

    /// <summary>The processes whose parent is <paramref name="parent"/>, from /proc.</summary>
    public static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // it exited while we looked
            }

            // Fields after the parenthesised command name: state, ppid, ...
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
            {
                yield return pid;
            }
        }
    }

    private static long ResidentKib(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static async Task<T> WaitAsync<T>(Func<T?> probe, CancellationToken cancellationToken)
        where T : class
    {
        for (var i = 0; i < 600; i++)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException("The benchmark node did not come up.");
    }
}
