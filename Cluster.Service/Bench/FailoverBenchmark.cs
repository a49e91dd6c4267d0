using System.Diagnostics;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Admin;
using Cluster.Service.Cli;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench failover`: a local cluster of real node processes with default settings. Times, from
/// the kill(2) call or the simulated failure, until the group is Online on another node, as that node's
/// admin API reports it (polled every 5 ms); and a three-node cluster's start until every node is Up.
/// </summary>
internal static class FailoverBenchmark
{
    public static async Task<int> RunAsync(int trials, int nodes, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine($"{trials} trials each; {nodes} real node processes, default lease (1 s TTL), a group with one application (sleep)");
        output.WriteLine($"{"measurement",-62} {"median ms",10} {"max ms",10}");
        var startups = new List<TimeSpan>();
        for (var i = 0; i < Math.Min(trials, 5); i++)
        {
            var clock = Stopwatch.StartNew();
            await using var cluster = await BenchCluster.StartAsync(nodes, cancellationToken).ConfigureAwait(false);
            startups.Add(clock.Elapsed);
        }

        Report(output, $"cluster of {nodes} nodes started until every node is Up ({startups.Count} trials)", startups);

        await using (var cluster = await BenchCluster.StartAsync(nodes, cancellationToken).ConfigureAwait(false))
        {
            await cluster.ApplyGroupAsync("bench", "sleep 3600", restartThreshold: null, cancellationToken: cancellationToken).ConfigureAwait(false);
            var kills = new List<TimeSpan>();
            for (var i = 0; i < trials; i++)
            {
                var owner = await cluster.WaitOnlineAsync("bench", except: null, cancellationToken).ConfigureAwait(false);
                var killedAt = Stopwatch.GetTimestamp();
                cluster.Kill(owner);
                await cluster.WaitOnlineAsync("bench", except: owner, cancellationToken).ConfigureAwait(false);
                kills.Add(Stopwatch.GetElapsedTime(killedAt));
                await cluster.RestartAsync(owner, cancellationToken).ConfigureAwait(false);
                await cluster.ResetFailoversAsync("bench", cancellationToken).ConfigureAwait(false); // default FailoverThreshold: nodes - 1 per 6 h
            }

            Report(output, "kill -9 of the owner node -> group Online on another node", kills);
        }

        await using (var cluster = await BenchCluster.StartAsync(nodes, cancellationToken).ConfigureAwait(false))
        {
            await cluster.ApplyGroupAsync("flaky", "sleep 3600", restartThreshold: 0, cancellationToken: cancellationToken).ConfigureAwait(false);
            var failures = new List<TimeSpan>();
            for (var i = 0; i < trials; i++)
            {
                var owner = await cluster.WaitOnlineAsync("flaky", except: null, cancellationToken).ConfigureAwait(false);
                using var client = cluster.Client(owner);
                var failedAt = Stopwatch.GetTimestamp();
                await client.FailResource(new FailResourceRequest { Resource = "flaky-app" }, cancellationToken).ConfigureAwait(false);
                await cluster.WaitOnlineAsync("flaky", except: owner, cancellationToken).ConfigureAwait(false);
                failures.Add(Stopwatch.GetElapsedTime(failedAt));
                await cluster.ResetFailoversAsync("flaky", cancellationToken).ConfigureAwait(false);
            }

            Report(output, "resource failure, RestartThreshold 0 -> group Online on another node", failures);
        }

        return 0;
    }

    private static void Report(TextWriter output, string what, List<TimeSpan> samples)
    {
        var summary = new LatencySummary(samples);
        output.WriteLine($"{what,-62} {summary.MedianMicroseconds / 1000,10:0.0} {summary.MaxMicroseconds / 1000,10:0.0}");
    }
}
