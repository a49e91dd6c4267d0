using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using Cluster.Service.Bench;

namespace Cluster.Service.Store.Etcd;

/// <summary>What `cluster down` needs to find a member again: its name, ports and process.</summary>
internal sealed record EtcdMemberRecord(string Name, int ClientPort, int PeerPort, int Pid);

[JsonSerializable(typeof(List<EtcdMemberRecord>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class EtcdJson : JsonSerializerContext;

/// <summary>One running etcd member of an <see cref="EtcdCluster"/>; its output goes to NAME.log beside its data.</summary>
internal sealed class EtcdMemberProcess : IDisposable
{
    private const int Terminate = 15;
    private readonly Process _process;
    private readonly string _log;

    private EtcdMemberProcess(Process process, EtcdMemberRecord record, string log)
    {
        _process = process;
        Record = record with { Pid = process.Id };
        _log = log;
    }

    public EtcdMemberRecord Record { get; }

    public string Name => Record.Name;

    public int Pid => Record.Pid;

    public Uri ClientUrl => StoreLocation.Loopback(Record.ClientPort);

    public bool HasExited => _process.HasExited;

    public static EtcdMemberProcess Start(string executable, string root, EtcdMemberRecord member, string initialCluster, string token, bool attached)
    {
        var data = EtcdCluster.DataPath(root, member.Name);
        var client = Url(member.ClientPort);
        var peer = Url(member.PeerPort);
        string[] etcd =
        [
            executable, "--name", member.Name, "--data-dir", data,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initialCluster, "--initial-cluster-token", token, "--initial-cluster-state", "new",
            // Watches can resume from the last 10,000 revisions, as on the embedded store.
            "--auto-compaction-mode", "revision", "--auto-compaction-retention", "10000",
            "--logger", "zap", "--log-outputs", "stderr",
        ];

        // Attached: the kernel kills the member when this process dies (armed on the fork thread, whose death
        // is this process's). Detached: a session of its own, until `cluster down`.
        var start = new ProcessStartInfo(attached ? "/usr/bin/setpriv" : "/usr/bin/setsid") { UseShellExecute = false };
        foreach (var word in (string[])[.. attached ? ["--pdeathsig", "KILL", "--"] : (string[])[], "/bin/sh", "-c", "exec \"$0\" \"$@\" >> \"$LOG\" 2>&1", .. etcd])
        {
            start.ArgumentList.Add(word);
        }

        var log = Path.Combine(root, member.Name + ".log");
        start.Environment["LOG"] = log;
        var process = Cluster.Contracts.Processes.ForkThread.Start(new Process { StartInfo = start, EnableRaisingEvents = true });
        return new EtcdMemberProcess(process, member, log);
    }

    /// <summary>A loopback URL as etcd takes it: no trailing slash.</summary>
    public static string Url(int port) => StoreLocation.Loopback(port).GetLeftPart(UriPartial.Authority);

    /// <summary>Waits until the member answers /health with true.</summary>
    /// <exception cref="ClusterUserException">It exited, or did not become healthy in time; names its log.</exception>
    public async Task WaitUntilHealthyAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var health = new Uri(ClientUrl, "/health");
        var clock = Stopwatch.StartNew();
        var exited = _process.WaitForExitAsync(cancellationToken); // the exit notification ends the wait at once
        while (true)
        {
            if (_process.HasExited)
            {
                throw new ClusterUserException($"etcd member {Name} exited with code {_process.ExitCode} while starting: see {_log}{LastLines()}");
            }

            try
            {
                var text = await http.GetStringAsync(health, cancellationToken).ConfigureAwait(false);
                if (text.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not listening yet, or no quorum yet
            }

            if (clock.Elapsed > patience)
            {
                throw new ClusterUserException($"etcd member {Name} did not become healthy within {patience.TotalSeconds:0} s: see {_log}{LastLines()}");
            }

            await Task.WhenAny(Task.Delay(100, cancellationToken), exited).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Whether this member says it is the leader (false when it does not answer within a second).</summary>
    public async Task<bool> IsLeaderAsync(CancellationToken cancellationToken)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(ClientUrl);
        try
        {
            var status = await new Etcdserverpb.Maintenance.MaintenanceClient(channel)
                .StatusAsync(new Etcdserverpb.StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: cancellationToken).ConfigureAwait(false);
            return status.Leader != 0 && status.Leader == status.Header.MemberId;
        }
        catch (Grpc.Core.RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(TimeSpan patience)
    {
        if (_process.HasExited)
        {
            return;
        }

        Signals.TrySend(_process.Id, Signals.Continue); // a frozen member (a test's fault) cannot act on SIGTERM
        Signals.TrySend(_process.Id, Terminate);
        using var wait = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public void Dispose() => _process.Dispose();

    /// <summary>Whether <paramref name="pid"/> is an etcd serving <paramref name="dataPath"/> (not a reused PID).</summary>
    public static bool IsMemberProcess(int pid, string dataPath)
    {
        try
        {
            var words = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return words.SkipWhile(w => w != "--data-dir").Skip(1).FirstOrDefault() == dataPath;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Stops a member this process did not start (`cluster down` after `up --detach`): it is not our child, so its end is polled.</summary>
    public static async Task TerminateAsync(int pid, string dataPath, TimeSpan patience)
    {
        Signals.TrySend(pid, Signals.Continue);
        Signals.TrySend(pid, Terminate);
        var clock = Stopwatch.StartNew();
        while (IsMemberProcess(pid, dataPath))
        {
            if (clock.Elapsed > patience)
            {
                Signals.TrySend(pid, Signals.KillSignal);
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private string LastLines()
    {
        try
        {
            var lines = File.ReadLines(_log).TakeLast(5).ToList();
            return lines.Count == 0 ? "" : Environment.NewLine + string.Join(Environment.NewLine, lines);
        }
        catch (IOException)
        {
            return "";
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"etcd {Name} (pid {Pid}, {Url(Record.ClientPort)})");
}
