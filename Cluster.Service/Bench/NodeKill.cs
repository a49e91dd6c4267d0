using System.Diagnostics;
using Cluster.Protocol.Admin.V1;
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
            var node = BenchNode.Start("victim");
            await using (node.ConfigureAwait(false))
            {
                List<int> ours;
                using (var client = await node.ConnectAsync(cancellationToken).ConfigureAwait(false))
                {
                    ours = await StartApplicationsAsync(client, cancellationToken).ConfigureAwait(false);
                }

                ours.AddRange(ProcFs.ChildrenOf(node.Process.Id)); // every RHS, the warm standby included
                var killedAt = Stopwatch.GetTimestamp();
                node.Process.Kill(entireProcessTree: false);
                while (ours.Any(ProcFs.IsRunning))
                {
                    await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                }

                samples.Add(Stopwatch.GetElapsedTime(killedAt));
            }
        }

        return samples;
    }

    /// <summary>Hosts the two applications; answers their PIDs.</summary>
    private static async Task<List<int>> StartApplicationsAsync(AdminClient client, CancellationToken cancellationToken)
    {
        var request = new ApplyRequest { Groups = { new Protocol.Config.V1.Group { Name = "bench" } }, GroupOnline = { ["bench"] = true } };
        foreach (var (name, separate) in new[] { ("shared-app", false), ("own-app", true) })
        {
            request.Resources.Add(new Protocol.Config.V1.Resource
            {
                Name = name, Group = "bench", Type = "GenericApplication", SeparateMonitor = separate, Properties = { ["CommandLine"] = "sleep 3600" },
            });
        }

        await client.Change(request, cancellationToken).ConfigureAwait(false);

        while (true)
        {
            var resources = (await client.ListResources(cancellationToken).ConfigureAwait(false)).Resources;
            if (resources.Count == 2 && resources.All(r => r.ApplicationPid != 0))
            {
                return [.. resources.Select(r => r.ApplicationPid)];
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}
