using System.Diagnostics;
using System.Text.Json;
using Cluster.Service.Cli;
using Cluster.Service.Store.Etcd;

namespace Cluster.Service.Lab;

/// <summary>
/// A cluster spread over simulated hosts: etcd's members (e1, e2, ...) and the nodes (n1, n2, ...) each on a
/// host of a <see cref="NetworkLab"/>, the nodes on that etcd. Every node keeps its admin API and RHS channels
/// on its own host's loopback, so client verbs run on a host too (<see cref="CliAsync"/>). Everything is
/// attached to this process: nodes and members die with it, and dispose stops them and removes the lab.
/// </summary>
internal sealed class LabCluster : IAsyncDisposable
{
    private readonly ClusterDirectory _directory;
    private readonly Dictionary<string, Process> _nodes = new(StringComparer.Ordinal);
    private EtcdCluster? _etcd;

    private LabCluster(ClusterDirectory directory, NetworkLab network)
    {
        _directory = directory;
        Network = network;
    }

    public NetworkLab Network { get; }

    public EtcdCluster Etcd => _etcd ?? throw new InvalidOperationException("etcd is not started.");

    public IReadOnlyCollection<string> Nodes => _nodes.Keys;

    public ClusterDirectory Directory => _directory;

    /// <summary>Builds the lab, starts etcd on its hosts and the nodes on theirs, and waits until every node is Up.</summary>
    /// <remarks>Node options are more options of `cluster node run` for every node (`--lease-ttl-ms 3000`, say).</remarks>
    public static async Task<LabCluster> StartAsync(
        ClusterDirectory directory, int nodes, int etcdMembers, CancellationToken cancellationToken, IReadOnlyList<string>? nodeOptions = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var etcdHosts = Enumerable.Range(1, etcdMembers).Select(i => $"e{i}").ToList();
        var nodeHosts = Enumerable.Range(1, nodes).Select(i => $"n{i}").ToList();
        var network = await NetworkLab.CreateAsync([.. etcdHosts, .. nodeHosts], cancellationToken).ConfigureAwait(false);
        var lab = new LabCluster(directory, network);
        try
        {
            directory.EnsureToken();
            lab._etcd = await EtcdCluster.StartAsync(directory.EtcdPath, etcdMembers, attached: true, cancellationToken,
                member => new EtcdCluster.EtcdPlacement(network.AddressOf(member), network.ExecPrefix(member))).ConfigureAwait(false);
            directory.WriteStoreLocation(lab._etcd.Location); // nodes started later in this directory use it too
            for (var i = 0; i < nodeHosts.Count; i++)
            {
                // Each node starts on a different member (n1 on e1, n2 on e2, ...), as clients spread over a real etcd cluster.
                var members = lab._etcd.Location.EtcdEndpoints;
                var store = Store.StoreLocation.Etcd(members.Skip(i % members.Count).Concat(members.Take(i % members.Count)));
                lab._nodes[nodeHosts[i]] = NodeLauncher.Start(directory, nodeHosts[i], ["--store", store.ToString(), .. nodeOptions ?? []], network.ExecPrefix(nodeHosts[i]));
            }

            network.Record.Write(directory); // `lab cut`, `node isolate`: from any terminal
            foreach (var node in nodeHosts)
            {
                await lab.WaitUpAsync(node, TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
            }

            return lab;
        }
        catch
        {
            await lab.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public int NodePid(string node) => _nodes[node].Id;

    /// <summary>Runs `cluster ARGS --dir DIR` on a host of the lab (a node's host reaches that node's admin API).</summary>
    public Task<(int ExitCode, string Output, string Error)> CliAsync(string host, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var self = SelfExecutable.StartInfo("client", [.. arguments, "--dir", _directory.Root]);
        return RunOnAsync(host, [self.FileName, .. self.Arguments], cancellationToken);
    }

    /// <summary>Runs a command on a host of the lab, inside its namespace; its exit code and output.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunOnAsync(string host, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var prefix = Network.ExecPrefix(host);
        var start = new ProcessStartInfo(prefix[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var word in (string[])[.. prefix.Skip(1), .. command])
        {
            start.ArgumentList.Add(word);
        }

        using var process = Process.Start(start) ?? throw new LabException("ip(8) could not be started.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>The etcd member that leads, as the members report it (asked on their own hosts); null when none does.</summary>
    public async Task<string?> EtcdLeaderAsync(CancellationToken cancellationToken)
    {
        foreach (var member in Etcd.Members)
        {
            var (exitCode, output, _) = await RunOnAsync(member.Name,
                ["etcdctl", "--endpoints", member.ClientUrl.GetLeftPart(UriPartial.Authority), "--command-timeout", "1s", "endpoint", "status", "-w", "json"],
                cancellationToken).ConfigureAwait(false);
            if (exitCode == 0 && JsonDocument.Parse(output).RootElement.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } answer
                && answer.GetProperty("Status") is var status
                && status.GetProperty("leader").GetRawText() == status.GetProperty("header").GetProperty("member_id").GetRawText())
            {
                return member.Name;
            }
        }

        return null;
    }

    /// <summary>Until the membership, asked on the node's own host, lists this very process Up.</summary>
    public async Task WaitUpAsync(string node, TimeSpan patience, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < patience)
        {
            if (_nodes[node].HasExited)
            {
                throw new LabException($"Node {node} exited with code {_nodes[node].ExitCode}: see {Path.Combine(_directory.LogsPath, node + ".out")}.");
            }

            var (exitCode, output, error) = await CliAsync(node, ["node", "list", "--json", "--node", node], cancellationToken).ConfigureAwait(false);
            if (exitCode == 0 && JsonDocument.Parse(output).RootElement.EnumerateArray().Any(n =>
                    n.GetProperty("name").GetString() == node && n.GetProperty("state").GetString() == "Up" && n.GetProperty("pid").GetInt32() == _nodes[node].Id))
            {
                return;
            }

            last = exitCode == 0 ? output : error;
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new LabException($"Node {node} was not Up within {patience.TotalSeconds:0} s; last answer: {last.Trim()}");
    }

    /// <summary>Nodes first (each stops its groups), then etcd, then the lab's network.</summary>
    public async ValueTask DisposeAsync()
    {
        await NodeLauncher.StopAttachedAsync(_nodes.Values).ConfigureAwait(false);
        _nodes.Clear();
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync().ConfigureAwait(false);
            _etcd = null;
        }

        File.Delete(LabRecord.PathIn(_directory));
        await Network.DisposeAsync().ConfigureAwait(false);
    }
}
