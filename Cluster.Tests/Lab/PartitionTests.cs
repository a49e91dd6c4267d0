using System.Text.Json;
using Cluster.Service;
using Cluster.Service.Bench;
using Cluster.Service.Lab;
using Cluster.Tests.Support;

namespace Cluster.Tests.Lab;

/// <summary>
/// Nodes on simulated hosts (network namespaces) with etcd on a host of its own, and real partitions: a host
/// unplugged from the switch. Safety is judged from the real application processes.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PartitionTests
{
    private string _dir = null!;
    private LabCluster? _lab;

    [SetUp]
    public void CreateDirectory() => _dir = ClusterCli.NewClusterDirectory();

    [TearDown]
    public async Task RemoveLab()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync();
            _lab = null;
        }

        var failed = TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed;
        if (failed)
        {
            TestContext.Out.WriteLine($"The cluster directory is kept: {_dir}");
            foreach (var file in Directory.Exists(Path.Combine(_dir, "logs")) ? Directory.GetFiles(Path.Combine(_dir, "logs")) : [])
            {
                TestContext.Out.WriteLine($"{Path.GetFileName(file)} (last 60 lines):");
                TestContext.Out.WriteLine(string.Join('\n', File.ReadLines(file).TakeLast(60)));
            }
        }
        else if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }

        Assert.That(await NetworkLab.NamespacesAsync(CancellationToken.None), Is.Empty, "the lab's namespaces removed");
    }

    [Test]
    public async Task Owner_cut_off_stops_its_group_before_the_majority_starts_it_and_healed_rejoins_holding_nothing()
    {
        var (exitCode, _, error) = await ClusterCli.RunAsync("lab", "cut", "n1", "--dir", _dir);
        Assert.That((exitCode, error), Is.EqualTo((1, $"error: No lab is running in {_dir}: start one with `cluster lab up`.{Environment.NewLine}")), "no lab yet");

        _lab = await LabCluster.StartAsync(new ClusterDirectory(_dir), nodes: 3, etcdMembers: 1, CancellationToken.None);
        (exitCode, _, error) = await ClusterCli.RunAsync("lab", "cut", "n7", "--dir", _dir);
        Assert.That((exitCode, error), Is.EqualTo((1, $"error: The lab has no host n7: it has e1, n1, n2, n3.{Environment.NewLine}")));
        await Cli("n1", "group", "create", "web", "--prop", "PreferredOwners=n1,n2,n3");
        await Cli("n1", "resource", "create", "web-app", "--group", "web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7411");
        await Cli("n1", "group", "online", "web", "--wait", "30");
        await WaitOwnerAsync("n1", "n1");
        var first = await SingleApplicationAsync(_ => true, "the application running");
        Assert.That(NetworkNamespace(first), Is.EqualTo(NetworkNamespace(_lab.NodePid("n1"))), "it runs on n1's host");

        await using (var sampler = new DoubleRunSampler(new() { ["web"] = ["sleep", "7411"] }))
        {
            Assert.That(await RootCli("node", "isolate", "n1"), Does.Contain("node n1's host cut off from the lab's network"));

            await WaitOwnerAsync("n2", "n2");
            var moved = await SingleApplicationAsync(pid => pid != first, "the application running again, elsewhere");
            Assert.That(Processes.IsRunning(first), Is.False, "the cut-off owner stopped its application");
            Assert.That(NetworkNamespace(moved), Is.EqualTo(NetworkNamespace(_lab.NodePid("n2"))), "on the majority side: n2's host");
            var n1Log = await File.ReadAllTextAsync(Path.Combine(_dir, "logs", "n1.log"));
            Assert.That(n1Log, Does.Contain("(fenced)"), "n1 fenced itself");

            await RootCli("node", "rejoin", "n1");
            await Eventually.Until(async () => await NodeAsync("n2", "n1") is { } n1 && n1.GetProperty("state").GetString() == "Up"
                    && n1.GetProperty("groups").GetArrayLength() == 0 ? "up" : null,
                TimeSpan.FromSeconds(30), "n1 Up again, holding nothing");
            Assert.That(Processes.WithCommandLine("sleep", "7411"), Is.EqualTo(new[] { moved }), "the group stays where it is");

            await sampler.DisposeAsync();
            Assert.That(sampler.Violations, Is.Empty, "never on two hosts at once");
            Assert.That(sampler.Samples, Is.GreaterThan(100));
        }
    }

    [Test]
    public async Task Cut_off_etcd_member_is_left_behind_and_the_cluster_carries_on_without_fencing()
    {
        _lab = await LabCluster.StartAsync(new ClusterDirectory(_dir), nodes: 3, etcdMembers: 3, CancellationToken.None);
        var leader = await Eventually.Until(() => _lab.EtcdLeaderAsync(CancellationToken.None), TimeSpan.FromSeconds(30), "etcd's leader");
        // A follower, and the node that starts on it (n1 on e1, n2 on e2, ...): that node hosts the group.
        var follower = new[] { "e1", "e2", "e3" }.First(m => m != leader);
        var owner = "n" + follower[1..];
        await Cli(owner, "group", "create", "web", "--prop", $"PreferredOwners={owner}");
        await Cli(owner, "resource", "create", "web-app", "--group", "web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7411");
        await Cli(owner, "group", "online", "web", "--wait", "30");
        await WaitOwnerAsync(owner, owner);
        var application = await SingleApplicationAsync(_ => true, "the application running");

        await using (var sampler = new DoubleRunSampler(new() { ["web"] = ["sleep", "7411"] }))
        {
            Assert.That(await RootCli("lab", "cut", follower), Does.Contain($"host {follower} cut off from the lab's network"));

            // The owner's store calls time out on the cut member and move to the next: a change goes through.
            await Eventually.Until(async () => (await _lab.CliAsync(owner, ["group", "create", "probe", "--node", owner], CancellationToken.None)).ExitCode == 0 ? "" : null,
                TimeSpan.FromSeconds(30), $"{owner} to accept a change with {follower} cut off");
            await WaitOwnerAsync(owner, owner);
            await RootCli("lab", "heal", follower);
            await sampler.DisposeAsync();

            Assert.That(Processes.WithCommandLine("sleep", "7411"), Is.EqualTo(new[] { application }), "the application ran on, never stopped");
            Assert.That(await File.ReadAllTextAsync(Path.Combine(_dir, "logs", owner + ".log")), Does.Not.Contain("(fenced)"), $"{owner} never fenced");
            Assert.That(sampler.Violations, Is.Empty);
        }
    }

    /// <summary>Until exactly one process of the application runs, and it is one <paramref name="accept"/> takes.</summary>
    private static async Task<int> SingleApplicationAsync(Func<int, bool> accept, string what) =>
        (await Eventually.Until(
            () => Task.FromResult(Processes.WithCommandLine("sleep", "7411") is [var pid] && accept(pid) ? new[] { pid } : null),
            TimeSpan.FromSeconds(30), what))[0];

    private async Task WaitOwnerAsync(string askOn, string owner) =>
        await Eventually.Until(async () =>
        {
            var (exitCode, output, _) = await _lab!.CliAsync(askOn, ["group", "list", "--json", "--node", askOn], CancellationToken.None);
            return exitCode == 0 && JsonDocument.Parse(output).RootElement.EnumerateArray()
                .Any(g => g.GetProperty("name").GetString() == "web" && g.GetProperty("state").GetString() == "Online" && g.GetProperty("node").GetString() == owner)
                ? "online" : null;
        }, TimeSpan.FromSeconds(60), $"web Online on {owner}, as {askOn} sees it");

    private async Task<JsonElement?> NodeAsync(string askOn, string node)
    {
        var (exitCode, output, _) = await _lab!.CliAsync(askOn, ["node", "list", "--json", "--node", askOn], CancellationToken.None);
        return exitCode == 0
            ? JsonDocument.Parse(output).RootElement.EnumerateArray().Single(n => n.GetProperty("name").GetString() == node).Clone()
            : null;
    }

    /// <summary>A verb run here, in the root namespace: the lab's verbs find the lab through its record in the directory.</summary>
    private async Task<string> RootCli(params string[] args)
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync([.. args, "--dir", _dir]);
        Assert.That(exitCode, Is.Zero, $"cluster {string.Join(' ', args)}: {error}");
        return output;
    }

    private async Task Cli(string host, params string[] args)
    {
        var (exitCode, _, error) = await _lab!.CliAsync(host, [.. args, "--node", host], CancellationToken.None);
        Assert.That(exitCode, Is.Zero, $"cluster {string.Join(' ', args)} on {host}: {error}");
    }

    /// <summary>The network namespace a process is in (the inode its /proc/PID/ns/net link names).</summary>
    private static string NetworkNamespace(int pid) => new FileInfo($"/proc/{pid}/ns/net").LinkTarget ?? "";
}
