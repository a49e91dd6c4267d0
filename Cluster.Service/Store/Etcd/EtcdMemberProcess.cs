using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using Cluster.Service.Bench;

namespace Cluster.Service.Store.Etcd;

/// <summary>What `cluster down` needs to find a member again: its name, address, ports and process.</summary>
internal sealed record EtcdMemberRecord(string Name, int ClientPort, int PeerPort, int Pid, string Host = "127.0.0.1")
{
    public Uri ClientUrl => new(EtcdMemberProcess.Url(Host, ClientPort));
}

[JsonSerializable(typeof(List<EtcdMemberRecord>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class EtcdJson : JsonSerializerContext;

/// <summary>One running etcd member of an <see cref="EtcdCluster"/>; its output goes to NAME.log beside its data.</summary>
internal sealed class EtcdMemberProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _log;
    private readonly IReadOnlyList<string> _prefix;

    private EtcdMemberProcess(Process process, EtcdMemberRecord record, string log, IReadOnlyList<string> prefix)
    {
        _process = process;
        Record = record with { Pid = process.Id };
        _log = log;
        _prefix = prefix;
    }

    public EtcdMemberRecord Record { get; }

    public string Name => Record.Name;

    public int Pid => Record.Pid;

    public Uri ClientUrl => Record.ClientUrl;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the member under <paramref name="prefix"/>: `ip netns exec NAMESPACE` for a lab's host; empty on this machine's loopback.</summary>
    public static EtcdMemberProcess Start(
        string executable, string root, EtcdMemberRecord member, string initialCluster, string token, bool attached, IReadOnlyList<string> prefix)
    {
        var data = EtcdCluster.DataPath(root, member.Name);
        var client = Url(member.Host, member.ClientPort);
        var peer = Url(member.Host, member.PeerPort);
        string[] etcd =
        [
            executable, "--name", member.Name, "--data-dir", data,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initialCluster, "--initial-cluster-token", token, "--initial-cluster-state", "new",
            // Watches can resume from the last 10,000 revisions, as on the embedded store.
            "--auto-compaction-mode", "revision", "--auto-compaction-retention", "10000",
            // A member that comes back (restarted, or healed from a partition) asks before it campaigns: it does
            // not depose a working leader, and with it every lease renewal for an election's time.
            "--pre-vote",
            "--logger", "zap", "--log-outputs", "stderr",
        ];

        // Attached: the kernel kills the member when this process dies (armed on the fork thread, whose death
        // is this process's). Detached: a session of its own, until `cluster down`.
        var start = new ProcessStartInfo(attached ? "/usr/bin/setpriv" : "/usr/bin/setsid") { UseShellExecute = false };
        foreach (var word in (string[])[.. attached ? ["--pdeathsig", "KILL", "--"] : (string[])[], .. prefix, "/bin/sh", "-c", "exec \"$0\" \"$@\" >> \"$LOG\" 2>&1", .. etcd])
        {
            start.ArgumentList.Add(word);
        }

        var log = Path.Combine(root, member.Name + ".log");
        start.Environment["LOG"] = log;
        var process = Cluster.Contracts.Processes.ForkThread.Start(new Process { StartInfo = start, EnableRaisingEvents = true });
        return new EtcdMemberProcess(process, member, log, prefix);
    }

    /// <summary>A URL as etcd takes it: no trailing slash.</summary>
    public static string Url(string host, int port) => string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}");

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

            if (await IsHealthyAsync(http, health, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (clock.Elapsed > patience)
            {
                throw new ClusterUserException($"etcd member {Name} did not become healthy within {patience.TotalSeconds:0} s: see {_log}{LastLines()}");
            }

            await Task.WhenAny(Task.Delay(100, cancellationToken), exited).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Asks /health: from here on this machine's loopback; inside the member's namespace through etcdctl for a
    /// lab's host (nothing aimed at a lab address may leave the root namespace).
    /// </summary>
    private async Task<bool> IsHealthyAsync(HttpClient http, Uri health, CancellationToken cancellationToken)
    {
        if (_prefix.Count == 0)
        {
            try
            {
                return (await http.GetStringAsync(health, cancellationToken).ConfigureAwait(false)).Contains("\"health\":\"true\"", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return false; // not listening yet, or no quorum yet
            }
        }

        var start = new ProcessStartInfo(_prefix[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var word in (string[])[.. _prefix.Skip(1), "etcdctl", "--endpoints", ClientUrl.GetLeftPart(UriPartial.Authority), "--command-timeout", "2s", "endpoint", "health"])
        {
            start.ArgumentList.Add(word);
        }

        using var probe = Process.Start(start) ?? throw new ClusterUserException("etcdctl could not be started.");
        _ = probe.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = probe.StandardError.ReadToEndAsync(cancellationToken);
        await probe.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return probe.ExitCode == 0;
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
        Signals.TrySend(_process.Id, Signals.Terminate);
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

    /// <summary>
    /// Stops a member this process did not start (`cluster down` after `up --detach`), held by its pidfd (it is not
    /// our child): SIGTERM and SIGCONT (a frozen member wakes to it), SIGKILL after <paramref name="patience"/>.
    /// False when <paramref name="pid"/> was not a running member for <paramref name="dataPath"/>.
    /// </summary>
    public static async Task<bool> TerminateAsync(int pid, string dataPath, TimeSpan patience)
    {
        using var member = ProcessHandle.Open(pid);
        // Checked after the pidfd is open and while it still runs: the command line read was this member's.
        if (member is null || !IsMemberProcess(pid, dataPath) || member.HasExited)
        {
            return false;
        }

        member.Signal(Signals.Terminate);
        member.Signal(Signals.Continue);
        if (!await member.WaitForExitAsync(patience).ConfigureAwait(false))
        {
            member.Signal(Signals.KillSignal);
            await member.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); // SIGKILL ends even a stopped process
        }

        return true;
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

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"etcd {Name} (pid {Pid}, {Url(Record.Host, Record.ClientPort)})");
}
