using System.Diagnostics;

namespace Cluster.Tests.Support;

/// <summary>
/// Wireshark's tshark (Debian's package), capturing loopback and decoding the cluster's gRPC down to
/// protobuf fields with the project's protos. Missing, it fails the tests under CI (CI=true, where
/// scripts/test.sh installs it) and skips them elsewhere with the reason.
/// </summary>
public static class Tshark
{
    public const string Executable = "/usr/bin/tshark";

    public static void Require()
    {
        if (File.Exists(Executable))
        {
            return;
        }

        const string Reason = "tshark is not installed. Install it with: apt-get install -y tshark";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(Reason);
        }

        Assert.Ignore(Reason);
    }

    /// <summary>The repository's protos/ folder, found upwards from the test binaries.</summary>
    public static string ProtosDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "protos", "cluster")))
            {
                return Path.Combine(directory.FullName, "protos");
            }
        }

        throw new DirectoryNotFoundException($"No protos/ folder above {AppContext.BaseDirectory}.");
    }

    /// <summary>The well-known types (google/protobuf/*.proto) that ship inside the Grpc.Tools package.</summary>
    public static string WellKnownTypesDirectory()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var tools = Path.Combine(packages, "grpc.tools");
        return Directory.Exists(tools)
            ? Directory.GetDirectories(tools).Select(v => Path.Combine(v, "build", "native", "include"))
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "google", "protobuf", "timestamp.proto")))
                ?? throw new DirectoryNotFoundException($"No well-known protos in {tools}.")
            : throw new DirectoryNotFoundException($"Grpc.Tools is not in {packages}.");
    }

    /// <summary>Starts capturing loopback TCP into <paramref name="pcap"/>; completes once tshark says it captures.</summary>
    public static async Task<Capture> StartCaptureAsync(string pcap)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        // -P -l: also print each packet at once, which is how the capture proves it is live (see Capture).
        foreach (var argument in new[] { "-i", "lo", "-f", "tcp", "-w", pcap, "-P", "-l" })
        {
            start.ArgumentList.Add(argument);
        }

        var capture = new Capture(new Process { StartInfo = start });
        await capture.StartAsync();
        return capture;
    }

    /// <summary>
    /// A running tshark. It prints "Capturing on" before its capture child is live (seen: 1.2 s before),
    /// and packets still in the kernel when it is interrupted are lost; a capture that misses a
    /// connection's start cannot decode its HTTP/2 headers. So both ends are marked with a probe: a
    /// connection to a port of our own, made until tshark prints it. Packets arrive in order, so once the
    /// probe is seen, everything before it is captured.
    /// </summary>
    public sealed class Capture(Process process) : IDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _said = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _packets = new();
        private readonly System.Net.Sockets.TcpListener _probe = new(System.Net.IPAddress.Loopback, 0);

        internal async Task StartAsync()
        {
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    _said.Enqueue(line);
                }
            };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    _packets.Enqueue(line);
                }
            };
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            _probe.Start();
            await ProbeAsync("tshark capturing");
        }

        /// <summary>Once everything sent so far is in the capture, interrupts tshark (Ctrl-C) so that it writes it out.</summary>
        public async Task StopAsync()
        {
            await ProbeAsync("tshark caught up");
            Service.Bench.Signals.Interrupt(process.Id);
            await process.WaitForExitAsync();
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            _probe.Dispose();
            process.Dispose();
        }

        /// <summary>Connects to the probe port until tshark prints a packet of the latest connection.</summary>
        /// <summary>Connects to the probe port until tshark prints a packet of any of this call's connections.</summary>
        private async Task ProbeAsync(string what)
        {
            var watch = Stopwatch.StartNew();
            var ports = new List<string>();
            await Eventually.Until(
                async () =>
                {
                    Assert.That(process.HasExited, Is.False, () => $"tshark ended early:\n{string.Join('\n', _said)}");
                    using (var connection = new System.Net.Sockets.TcpClient())
                    {
                        await connection.ConnectAsync(System.Net.IPAddress.Loopback, ((System.Net.IPEndPoint)_probe.LocalEndpoint).Port);
                        ports.Add($" {((System.Net.IPEndPoint)connection.Client.LocalEndPoint!).Port} ");
                        using var accepted = await _probe.AcceptTcpClientAsync();
                    }

                    await Task.Delay(50);
                    return _packets.Any(l => ports.Any(p => l.Contains(p, StringComparison.Ordinal))) ? "seen" : null;
                },
                TimeSpan.FromSeconds(30), what, () => string.Join('\n', _said));
            TestContext.Out.WriteLine($"{what} after {watch.ElapsedMilliseconds} ms ({ports.Count} probe connections)");
        }
    }

    /// <summary>Decodes <paramref name="pcap"/> with HTTP/2 on <paramref name="port"/> and the project's protos, every packet in detail.</summary>
    public static async Task<string> DecodeAsync(string pcap, int port)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "-r", pcap, "-d", $"tcp.port=={port},http2",
            "-o", $"uat:protobuf_search_paths:\"{WellKnownTypesDirectory()}\",\"FALSE\"",
            "-o", $"uat:protobuf_search_paths:\"{ProtosDirectory()}\",\"TRUE\"",
            "-o", "protobuf.pbf_as_hf:TRUE", "-o", "protobuf.preload_protos:TRUE",
            "-Y", "grpc", "-V",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, await error);
        return await output;
    }
}
