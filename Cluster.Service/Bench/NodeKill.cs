using System.Diagnostics;
using System.Globalization;
using Cluster.Contracts.Admin.V1;
using Cluster.Service.Admin;

namespace Cluster.Service.Bench;

/// <summary>
/// A real node with two applications (one in the shared RHS, one in a dedicated one) is killed with
/// SIGKILL: how long until no RHS and no application of it is left running.
/// </summary>
internal static class NodeKill
{
    public static async Task<List<TimeSpan>> MeasureAsync(int trials, CancellationToken cancellationToken)
    {
        var samples = new List<TimeSpan>();
        for (var trial = 0; trial < trials; trial++)
        {
            var directory = new ClusterDirectory(Path.Combine(Path.GetTempPath(), $"cluster-bench-kill-{Environment.ProcessId}-{trial}"));
            var start = SelfExecutable.StartInfo("node", ["node", "run", "--name", "victim", "--dir", directory.Root]);
            var info = new ProcessStartInfo(start.FileName) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in start.Arguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var node = Process.Start(info)!;
            node.BeginOutputReadLine();
            try
            {
                var ours = await StartResourcesAsync(directory, cancellationToken).ConfigureAwait(false);
                ours.AddRange(NodeMemory.ChildrenOf(node.Id)); // every RHS, the warm standby included
                var killedAt = Stopwatch.GetTimestamp();
                node.Kill(entireProcessTree: false);
                while (ours.Any(IsRunning))
                {
                    await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                }

                samples.Add(Stopwatch.GetElapsedTime(killedAt));
            }
            finally
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                Directory.Delete(directory.Root, recursive: true);
            }
        }

        return samples;
    }

    /// <summary>Hosts the two applications; answers their PIDs.</summary>
    private static async Task<List<int>> StartResourcesAsync(ClusterDirectory directory, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 600 && directory.ReadNodeRecords().Count == 0; i++)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        using var client = AdminClient.Connect(directory.ReadNodeRecords()[0], directory.ReadToken());
        foreach (var (name, separate) in new[] { ("shared-app", false), ("own-app", true) })
        {
            var request = new HostResourceRequest { Name = name, Type = "GenericApplication", SeparateMonitor = separate };
            request.Properties["CommandLine"] = "sleep 3600";
            await client.HostResource(request, cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            var resources = (await client.ListResources(cancellationToken).ConfigureAwait(false)).Resources;
            if (resources.All(r => r.ApplicationPid != 0))
            {
                return [.. resources.Select(r => r.ApplicationPid)];
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A zombie counts as gone: it is dead, only not yet reaped by PID 1.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
