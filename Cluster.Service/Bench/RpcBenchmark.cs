using System.Diagnostics;
using Cluster.Protocol.Bench.V1;
using Cluster.Protocol.Plugins;
using Cluster.Protocol.Transport;
using Google.Protobuf;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench rpc`: unary round trips between this process and a child process serving
/// cluster.bench.v1.Bench, over TCP loopback and over a Unix socket.
/// </summary>
internal static class RpcBenchmark
{
    public const string PluginKind = "bench";

    public static async Task<int> RunAsync(
        IReadOnlyList<string> transports, int calls, int warmup, int payloadBytes, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine($"unary round trip, {calls} calls after {warmup} warm-up calls, {payloadBytes}-byte payload, one call at a time");
        output.WriteLine($"{"transport",-10} {"p50 us",10} {"p99 us",10} {"max us",10} {"calls/s",10}");
        foreach (var transport in transports)
        {
            var summary = await MeasureAsync(transport, calls, warmup, payloadBytes, cancellationToken).ConfigureAwait(false);
            output.WriteLine(
                $"{transport,-10} {summary.Latency.MedianMicroseconds,10:0.0} {summary.Latency.Percentile(99),10:0.0} "
                + $"{summary.Latency.MaxMicroseconds,10:0.0} {summary.CallsPerSecond,10:0}");
        }

        return 0;
    }

    private static async Task<(LatencySummary Latency, double CallsPerSecond)> MeasureAsync(
        string transport, int calls, int warmup, int payloadBytes, CancellationToken cancellationToken)
    {
        var start = SelfExecutable.StartInfo(PluginKind, ["bench", "serve", "--transport", transport]);
        var peer = await PluginProcess.StartAsync(start, cancellationToken).ConfigureAwait(false);
        try
        {
            return await MeasureAsync(peer.Handshake.Endpoint, calls, warmup, payloadBytes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The peer is killed, not asked to leave, so its socket file is ours to remove.
            await peer.DisposeAsync().ConfigureAwait(false);
            if (peer.Handshake.Endpoint.IsUnixSocket)
            {
                File.Delete(peer.Handshake.Endpoint.UnixPath!);
            }
        }
    }

    private static async Task<(LatencySummary Latency, double CallsPerSecond)> MeasureAsync(
        GrpcEndpoint endpoint, int calls, int warmup, int payloadBytes, CancellationToken cancellationToken)
    {
        using var connection = GrpcConnection.Open(endpoint);
        var client = new Protocol.Bench.V1.Bench.BenchClient(connection.Invoker);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[payloadBytes]) };
        var timeout = TimeSpan.FromSeconds(10);

        for (var i = 0; i < warmup; i++)
        {
            await client.EchoAsync(request, GrpcConnection.Deadline(timeout, cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }

        var samples = new TimeSpan[calls];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            var began = Stopwatch.GetTimestamp();
            await client.EchoAsync(request, GrpcConnection.Deadline(timeout, cancellationToken)).ResponseAsync.ConfigureAwait(false);
            samples[i] = Stopwatch.GetElapsedTime(began);
        }

        total.Stop();
        return (new LatencySummary(samples), calls / total.Elapsed.TotalSeconds);
    }

    /// <summary>The child's side: serve Echo until the parent goes away.</summary>
    public static async Task<int> ServeAsync(string transport, CancellationToken cancellationToken)
    {
        var endpoint = transport == "unix"
            ? GrpcEndpoint.Unix(Path.Combine(Path.GetTempPath(), $"cluster-bench-{Environment.ProcessId}.sock"))
            : GrpcEndpoint.Loopback();
        var server = new GrpcHost(new GrpcHostOptions { Endpoints = { endpoint } });
        server.AddService(Protocol.Bench.V1.Bench.Descriptor, new BenchEchoService());
        await using (server.ConfigureAwait(false))
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            using var parentGone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ParentWatch.WhenStdinCloses());
            Console.Out.WriteLine(new PluginHandshake(PluginKind, server.Endpoints[0]).ToString());
            Console.Out.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, parentGone.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The parent closed our stdin: time to go.
            }
        }

        if (endpoint.IsUnixSocket)
        {
            File.Delete(endpoint.UnixPath!);
        }

        return 0;
    }
}
