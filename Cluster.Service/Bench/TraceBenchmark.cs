using System.Diagnostics;
using Cluster.Protocol;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Rhs.V1;
using Cluster.Service.Admin;
using Cluster.Service.Monitors;
using Cluster.Service.Trace;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench trace`: what recording costs a node → RHS call (the same calls to one real RHS over
/// two connections, one recorded and one not, in alternating blocks so that drift hits both), and
/// how many records a `trace --follow` subscriber receives while a real node is flooded with calls.
/// </summary>
internal static class TraceBenchmark
{
    private const int Blocks = 10;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(int calls, TimeSpan flood, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine($"node -> RHS calls, {calls} per row, in {Blocks} alternating blocks per row after a warm-up; one call at a time");
        output.WriteLine($"{"call",-28} {"p50 us",10} {"p99 us",10} {"max us",10}");
        var log = new TraceLog("bench", TraceLog.DefaultCapacity);
        // One RHS, two connections to it: the same process answers both, so only the recording differs.
        await using var rhs = await OpenAsync(new MonitorOptions(), cancellationToken).ConfigureAwait(false);
        using var traced = rhs.OpenClient(CallRecorder.ForClient(log, () => $"bench/{rhs.Name}"));

        foreach (var (method, call) in new (string, Func<RhsClient, Task>)[]
        {
            ("LooksAlive", c => c.LooksAlive(new LooksAliveRequest { Resource = "fi" }, s_deadline)),
            ("Ping", c => c.Ping(s_deadline)),
        })
        {
            var (off, on) = await MeasureAlternatingAsync(rhs.Client, traced, call, calls, cancellationToken).ConfigureAwait(false);
            Report(output, $"{method}, tracing off", off);
            Report(output, $"{method}, tracing on", on);
            output.WriteLine($"{method}: p50 on/off = {on.MedianMicroseconds / off.MedianMicroseconds:0.00}, p99 on/off = {on.Percentile(99) / off.Percentile(99):0.00}");
        }

        await FloodAsync(flood, output, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>An RHS with a FaultInjection resource open in it (a LooksAlive needs a resource).</summary>
    private static async Task<RhsProcess> OpenAsync(MonitorOptions options, CancellationToken cancellationToken)
    {
        var rhs = await RhsProcess.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var type = new ResourceTypeRef { Name = "FaultInjection", DllPath = BuiltInResourceTypes.DllPath };
        await rhs.Client.LoadType(new LoadTypeRequest { Type = type }, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await rhs.Client.Open(new OpenRequest { Resource = "fi", Type = type }, s_deadline).ConfigureAwait(false);
        return rhs;
    }

    private static async Task<(LatencySummary Off, LatencySummary On)> MeasureAlternatingAsync(
        RhsClient plain, RhsClient traced, Func<RhsClient, Task> call, int calls, CancellationToken cancellationToken)
    {
        var perBlock = Math.Max(1, calls / Blocks);
        for (var i = 0; i < Math.Min(calls, 2_000); i++)
        {
            await call(plain).ConfigureAwait(false);
            await call(traced).ConfigureAwait(false);
        }

        var off = new List<TimeSpan>();
        var on = new List<TimeSpan>();
        for (var block = 0; block < Blocks * 2 && !cancellationToken.IsCancellationRequested; block++)
        {
            var (client, samples) = block % 2 == 0 ? (plain, off) : (traced, on);
            for (var i = 0; i < perBlock; i++)
            {
                var began = Stopwatch.GetTimestamp();
                await call(client).ConfigureAwait(false);
                samples.Add(Stopwatch.GetElapsedTime(began));
            }
        }

        return (new LatencySummary(off), new LatencySummary(on));
    }

    /// <summary>
    /// A real node flooded with admin calls from four callers at once, and one `trace --follow`
    /// subscriber: calls made, records the subscriber received, and whether the node dropped it.
    /// </summary>
    private static async Task FloodAsync(TimeSpan duration, TextWriter output, CancellationToken cancellationToken)
    {
        var node = BenchNode.Start("bench");
        await using (node.ConfigureAwait(false))
        {
            using var follower = await node.ConnectAsync(cancellationToken).ConfigureAwait(false);
            var callers = new List<AdminClient>();
            for (var i = 0; i < 4; i++)
            {
                callers.Add(await node.ConnectAsync(cancellationToken).ConfigureAwait(false));
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            long received = 0;
            string dropped = "no";
            var following = Task.Run(async () =>
            {
                try
                {
                    await foreach (var _ in follower.Trace(
                        new TraceRequest { Follow = true, SinceUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, null, stop.Token).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref received);
                    }
                }
                catch (ClusterException e) when (e.Kind == ClusterErrorKind.ResourceExhausted)
                {
                    dropped = $"yes, after {Interlocked.Read(ref received)} records: {e.Message}";
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // The flood is over.
                }
            }, CancellationToken.None);

            long made = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(callers.Select(caller => Task.Run(async () =>
            {
                while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
                {
                    await caller.GetNode(s_deadline, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref made);
                }
            }, CancellationToken.None))).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            // Let the subscriber catch up with what was recorded, then stop it.
            var settle = Stopwatch.StartNew();
            while (settle.Elapsed < TimeSpan.FromSeconds(5) && Interlocked.Read(ref received) < Interlocked.Read(ref made) && !following.IsCompleted)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await following.ConfigureAwait(false);
            foreach (var caller in callers)
            {
                caller.Dispose();
            }

            output.WriteLine(
                $"flood: {made} admin calls in {elapsed.TotalSeconds:0.0} s from 4 callers ({made / elapsed.TotalSeconds:0} calls/s); "
                + $"trace --follow received {received} records ({received / elapsed.TotalSeconds:0}/s, pets and pings included); dropped: {dropped}");
        }
    }

    private static void Report(TextWriter output, string what, LatencySummary summary) =>
        output.WriteLine($"{what,-28} {summary.MedianMicroseconds,10:0.0} {summary.Percentile(99),10:0.0} {summary.MaxMicroseconds,10:0.0}");
}
