using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cluster.Service.Store;

namespace Cluster.Service.Bench;

/// <summary>`cluster bench store`: sequential writes to the embedded store, one transaction each.</summary>
internal static class StoreBenchmark
{
    public static async Task<int> RunAsync(string path, int writes, bool printCommits, TextWriter output, CancellationToken cancellationToken)
    {
        var store = SqliteClusterStore.Open(path);
        await using (store.ConfigureAwait(false))
        {
            var samples = new TimeSpan[writes];
            var total = Stopwatch.StartNew();
            for (var i = 0; i < writes && !cancellationToken.IsCancellationRequested; i++)
            {
                var key = $"/bench/{Environment.ProcessId}/{i:D8}";
                var began = Stopwatch.GetTimestamp();
                var revision = await store.PutAsync(key, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)), cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                samples[i] = Stopwatch.GetElapsedTime(began);
                if (printCommits)
                {
                    // Printed only after the commit returned: whoever reads this may rely on the key being durable.
                    output.WriteLine($"committed {key} {revision}");
                    output.Flush();
                }
            }

            total.Stop();
            var latency = new LatencySummary(samples);
            output.WriteLine($"{writes} puts to {path}: p50 {latency.MedianMicroseconds:0} us, p99 {latency.Percentile(99):0} us, "
                + $"max {latency.MaxMicroseconds:0} us, {writes / total.Elapsed.TotalSeconds:0} puts/s");
        }

        return 0;
    }
}
