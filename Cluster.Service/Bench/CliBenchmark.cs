using System.Diagnostics;
using System.Globalization;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench cli`: what a `cluster` call costs whoever runs it (a person, a script in a loop), from
/// exec to its exit notification, against a running cluster of real nodes with a group on each.
/// </summary>
internal static class CliBenchmark
{
    /// <summary>The calls measured: help (no node asked), one question to every node, and `status`'s four.</summary>
    private static readonly string[][] s_calls = [["--help"], ["group", "list"], ["node", "list", "--json"], ["status"]];

    public static async Task<int> RunAsync(int nodes, int runs, int warmup, TimeSpan settle, TextWriter output, CancellationToken cancellationToken)
    {
        var executable = SelfExecutable.StartInfo("cli", []).FileName;
        var assembly = typeof(CliBenchmark).Assembly.Location;
        await output.WriteLineAsync(
            $"{executable} ({(PrecompiledImage.IsPrecompiled(assembly) ? "precompiled, ReadyToRun" : "not precompiled: JIT")}); " +
            $"{nodes} nodes, a group on each, left to settle {settle.TotalSeconds:0} s; {warmup} unmeasured runs, then {runs} measured, each from exec to exit")
            .ConfigureAwait(false);
        await using var cluster = await BenchCluster.StartAsync(nodes, cancellationToken).ConfigureAwait(false);
        foreach (var node in cluster.Nodes)
        {
            var group = "G-" + node;
            await cluster.ApplyGroupAsync(group, SelfExecutable.CommandLine() + " sim-app", preferredOwner: node, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            await cluster.WaitOnlineAsync(group, except: null, cancellationToken).ConfigureAwait(false);
        }

        // Freshly started nodes compile their hot paths again for a while (tiered JIT) and would compete with the calls for the cores.
        await Task.Delay(settle, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"{"call",-26} {"median",8} {"mean",8} {"min",8} {"max",8}").ConfigureAwait(false);
        foreach (var call in s_calls)
        {
            for (var i = 0; i < warmup; i++)
            {
                await RunOnceAsync(cluster.Root, call, cancellationToken).ConfigureAwait(false);
            }

            var samples = new List<TimeSpan>(runs);
            for (var i = 0; i < runs; i++)
            {
                samples.Add(await RunOnceAsync(cluster.Root, call, cancellationToken).ConfigureAwait(false));
            }

            var summary = new LatencySummary(samples);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{"cluster " + string.Join(' ', call),-26} {summary.MedianMicroseconds / 1000,5:0} ms {samples.Average(s => s.TotalMilliseconds),5:0} ms " +
                $"{samples.Min().TotalMilliseconds,5:0} ms {summary.MaxMicroseconds / 1000,5:0} ms")).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>One call as its own process, its output read and dropped; a call that fails ends the benchmark with what it said.</summary>
    private static async Task<TimeSpan> RunOnceAsync(string root, string[] call, CancellationToken cancellationToken)
    {
        var start = SelfExecutable.StartInfo("cli", call);
        var info = new ProcessStartInfo(start.FileName, start.Arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["CLUSTER_DIR"] = root },
        };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        await stdout.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`cluster {string.Join(' ', call)}` exited with code {process.ExitCode}: {await stderr.ConfigureAwait(false)}");
        }

        return elapsed;
    }
}
