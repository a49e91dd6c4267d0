using System.Diagnostics;
using Cluster.Service.Admin;

namespace Cluster.Service.Bench;

/// <summary>A real node process in a cluster directory of its own, for benchmarks; disposed, it is killed and its directory removed.</summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private BenchNode(Process process, ClusterDirectory directory)
    {
        Process = process;
        Directory = directory;
    }

    public Process Process { get; }

    public ClusterDirectory Directory { get; }

    public static BenchNode Start(string name)
    {
        var directory = new ClusterDirectory(Path.Combine(Path.GetTempPath(), $"cluster-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"));
        var start = SelfExecutable.StartInfo("node", ["node", "run", "--name", name, "--dir", directory.Root]);
        var info = new ProcessStartInfo(start.FileName) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in start.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = System.Diagnostics.Process.Start(info)!;
        process.BeginOutputReadLine();
        return new BenchNode(process, directory);
    }

    /// <summary>A client of the node's admin API, once the node is up.</summary>
    public async Task<AdminClient> ConnectAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < 600; i++)
        {
            if (File.Exists(Directory.TokenPath) && Directory.ReadNodeRecords() is [var record, ..])
            {
                var client = AdminClient.Connect(record, Directory.ReadToken());
                await client.GetNode(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                return client;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException("The benchmark node did not come up.");
    }

    public async ValueTask DisposeAsync()
    {
        Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        Process.Dispose();
        System.IO.Directory.Delete(Directory.Root, recursive: true);
    }
}
