using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Cluster.Service.Store.Etcd;

/// <summary>
/// A local etcd cluster for `cluster up --store etcd` and the tests: one to seven members of Debian's etcd
/// on loopback, each with its data and log in a directory of its own. Members started attached die with
/// this process (parent-death signal); detached ones (`up --detach`) run until <see cref="StopRecordedAsync"/>
/// (`cluster down`). Started again on the same directory, the members keep their names, ports and data.
/// </summary>
internal sealed class EtcdCluster : IAsyncDisposable
{
    public const int MaxMembers = 7;
    private const string RecordFile = "members.json";
    private static readonly TimeSpan s_stopPatience = TimeSpan.FromSeconds(10); // a member without quorum takes ~6 s to stop on SIGTERM

    private readonly string _root;
    private readonly List<EtcdMemberProcess> _members;
    private readonly string _executable;
    private readonly string _initialCluster;
    private readonly bool _attached;
    private readonly Func<string, EtcdPlacement>? _placement;

    private EtcdCluster(string root, List<EtcdMemberProcess> members, string executable, string initialCluster, bool attached, Func<string, EtcdPlacement>? placement)
    {
        _root = root;
        _members = members;
        _executable = executable;
        _initialCluster = initialCluster;
        _attached = attached;
        _placement = placement;
    }

    public IReadOnlyList<EtcdMemberProcess> Members => _members;

    /// <summary>Where nodes find this cluster: every member's client address.</summary>
    public StoreLocation Location => StoreLocation.Etcd(_members.Select(m => m.ClientUrl));

    /// <summary>Where a member runs: a lab host's address, and the words that run a command there.</summary>
    internal sealed record EtcdPlacement(string Address, IReadOnlyList<string> CommandPrefix);

    /// <summary>Starts <paramref name="memberCount"/> members with their data under <paramref name="root"/> and waits until each serves.</summary>
    /// <exception cref="ClusterUserException">etcd is not installed, or a member did not start (its log is named).</exception>
    /// <remarks>A placement says where each member runs (by name): a lab host's address and the prefix that runs a command there; none: this machine's loopback.</remarks>
    public static async Task<EtcdCluster> StartAsync(
        string root, int memberCount, bool attached, CancellationToken cancellationToken, Func<string, EtcdPlacement>? placement = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memberCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(memberCount, MaxMembers);
        var executable = FindEtcd();
        Directory.CreateDirectory(root);
        var layout = placement is null && ReadRecord(root) is { } recorded && recorded.Count == memberCount && recorded.All(m => Directory.Exists(DataPath(root, m.Name)))
            ? recorded
            : NewLayout(root, memberCount, placement);
        var initialCluster = string.Join(',', layout.Select(m => $"{m.Name}={EtcdMemberProcess.Url(m.Host, m.PeerPort)}"));
        var token = "cluster-" + Guid.NewGuid().ToString("N")[..12]; // only read when the members form a new cluster
        var members = new List<EtcdMemberProcess>();
        var cluster = new EtcdCluster(root, members, executable, initialCluster, attached, placement);
        try
        {
            foreach (var member in layout)
            {
                members.Add(EtcdMemberProcess.Start(executable, root, member, initialCluster, token, attached, placement?.Invoke(member.Name).CommandPrefix ?? []));
            }

            WriteRecord(root, [.. members.Select(m => m.Record)]);
            await Task.WhenAll(members.Select(m => m.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60), cancellationToken))).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the members recorded under <paramref name="root"/> (left running by `up --detach`); the names of those it stopped.</summary>
    public static async Task<IReadOnlyList<string>> StopRecordedAsync(string root)
    {
        var stopped = new List<string>();
        foreach (var member in ReadRecord(root) ?? [])
        {
            if (member.Pid > 0 && await EtcdMemberProcess.TerminateAsync(member.Pid, DataPath(root, member.Name), s_stopPatience).ConfigureAwait(false))
            {
                stopped.Add(member.Name);
            }
        }

        return stopped;
    }

    /// <summary>Whether a member recorded under <paramref name="root"/> still runs.</summary>
    public static bool AnyRunning(string root) =>
        (ReadRecord(root) ?? []).Any(m => m.Pid > 0 && EtcdMemberProcess.IsMemberProcess(m.Pid, DataPath(root, m.Name)));

    /// <summary>The member that leads now, as the members themselves report it; null when none answers with a leader.</summary>
    public async Task<EtcdMemberProcess?> LeaderAsync(CancellationToken cancellationToken)
    {
        foreach (var member in _members.Where(m => !m.HasExited))
        {
            if (await member.IsLeaderAsync(cancellationToken).ConfigureAwait(false))
            {
                return member;
            }
        }

        return null;
    }

    /// <summary>Starts a stopped member again on its data, and waits until it serves.</summary>
    public async Task RestartAsync(EtcdMemberProcess member, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        var index = _members.IndexOf(member);
        // On its data dir a member ignores the initial-cluster settings: it rejoins as it was.
        var restarted = EtcdMemberProcess.Start(_executable, _root, member.Record, _initialCluster, token: "", _attached, _placement?.Invoke(member.Name).CommandPrefix ?? []);
        _members[index] = restarted;
        member.Dispose();
        WriteRecord(_root, [.. _members.Select(m => m.Record)]);
        await restarted.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGTERM to every member, SIGKILL to any still there after a bounded wait.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_members.Select(m => m.StopAsync(s_stopPatience))).ConfigureAwait(false);
        foreach (var member in _members)
        {
            member.Dispose();
        }
    }

    internal static string DataPath(string root, string name) => Path.Combine(root, name);

    private static List<EtcdMemberRecord> NewLayout(string root, int count, Func<string, EtcdPlacement>? placement)
    {
        // A new cluster: the old members' data would not match the new membership.
        foreach (var old in Directory.EnumerateDirectories(root))
        {
            Directory.Delete(old, recursive: true);
        }

        // On a lab host of its own a member has its address to itself: etcd's usual ports.
        return [.. Enumerable.Range(1, count).Select(i => $"e{i}").Select(name => placement is null
            ? new EtcdMemberRecord(name, FreePort(), FreePort(), 0)
            : new EtcdMemberRecord(name, 2379, 2380, 0, placement(name).Address))];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindEtcd()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin"))
        {
            var candidate = Path.Combine(folder, "etcd");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new ClusterUserException("etcd is not installed: on Debian, `apt-get install etcd-server` (or name a running one: --store etcd://HOST:PORT).");
    }

    private static List<EtcdMemberRecord>? ReadRecord(string root)
    {
        var path = Path.Combine(root, RecordFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), EtcdJson.Default.ListEtcdMemberRecord) : null;
        }
        catch (JsonException)
        {
            return null; // written by rename: a torn record is not ours
        }
    }

    private static void WriteRecord(string root, List<EtcdMemberRecord> members)
    {
        var path = Path.Combine(root, RecordFile);
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(members, EtcdJson.Default.ListEtcdMemberRecord));
        File.Move(temporary, path, overwrite: true);
    }
}
