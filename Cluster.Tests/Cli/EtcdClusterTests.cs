using System.Text.Json;
using Cluster.Service.Store.Etcd;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>`cluster up --store etcd`: a local etcd in the cluster directory, the nodes on it, and nothing left behind.</summary>
[TestFixture]
[NonParallelizable]
public sealed class EtcdClusterTests
{
    [Test]
    public async Task Up_detach_on_a_local_etcd_runs_the_nodes_on_it_and_down_stops_them_and_etcd()
    {
        var dir = ClusterCli.NewClusterDirectory();
        try
        {
            var (exitCode, output, error) = await ClusterCli.RunAsync("up", "--nodes", "2", "--store", "etcd", "--detach", "--dir", dir);
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(output, Does.Contain("etcd up in").And.Contain("2 nodes up in").And.Contain("store etcd://127.0.0.1:"));
            var etcd = EtcdPids(dir);
            Assert.That(etcd, Has.Count.EqualTo(1));
            Assert.That(File.ReadAllText(Path.Combine(dir, "store")), Does.StartWith("etcd://127.0.0.1:"));
            Assert.That(File.Exists(Path.Combine(dir, "cluster.db")), Is.False, "no node opened the embedded store");

            await Cli(dir, "group", "create", "g");
            var nodes = JsonDocument.Parse(await Cli(dir, "node", "list", "--json")).RootElement.EnumerateArray()
                .Select(n => (n.GetProperty("name").GetString(), n.GetProperty("state").GetString())).ToList();
            Assert.That(nodes, Is.EqualTo(new[] { ("n1", "Up"), ("n2", "Up") }));
            var pids = JsonDocument.Parse(await Cli(dir, "node", "list", "--json")).RootElement.EnumerateArray().Select(n => n.GetProperty("pid").GetInt32()).ToList();

            // A client elsewhere, with the token and the store's address but none of the nodes' records, finds them through the store.
            var elsewhere = ClusterCli.NewClusterDirectory();
            Directory.CreateDirectory(elsewhere);
            File.Copy(Path.Combine(dir, "admin.token"), Path.Combine(elsewhere, "admin.token"));
            File.Copy(Path.Combine(dir, "store"), Path.Combine(elsewhere, "store"));
            try
            {
                var seen = JsonDocument.Parse(await Cli(elsewhere, "node", "list", "--json")).RootElement.EnumerateArray()
                    .Select(n => (n.GetProperty("name").GetString(), n.GetProperty("state").GetString())).ToList();
                Assert.That(seen, Is.EqualTo(new[] { ("n1", "Up"), ("n2", "Up") }));
                await Cli(elsewhere, "group", "create", "from-elsewhere");
                Assert.That(await Cli(dir, "group", "list"), Does.Contain("from-elsewhere"));
            }
            finally
            {
                Directory.Delete(elsewhere, recursive: true);
            }

            var down = await Cli(dir, "down");

            Assert.That(down, Does.Contain("stopped n1, n2, etcd e1"));
            Assert.That(pids.Concat(etcd).Where(Processes.IsRunning), Is.Empty, "nodes and etcd gone");
            Assert.That(EtcdPids(dir), Is.Empty);
            Assert.That((await ClusterCli.RunAsync("down", "--dir", dir)).Output, Does.Contain("no node is running"));
        }
        finally
        {
            await ClusterCli.RunAsync("down", "--dir", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task Killed_cluster_up_takes_its_etcd_and_nodes_with_it()
    {
        var dir = ClusterCli.NewClusterDirectory();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var up = ClusterCli.Start(output.Enqueue, "up", "--nodes", "1", "--store", "etcd", "--etcd-members", "3", "--dir", dir);
        try
        {
            await Eventually.Until(() => output.Any(l => l.Contains("1 nodes up", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(90), "cluster up to start etcd and its node", () => string.Join('\n', output));
            var etcd = EtcdPids(dir);
            Assert.That(etcd, Has.Count.EqualTo(3), "three members");
            var node = JsonDocument.Parse(await Cli(dir, "node", "list", "--json")).RootElement.EnumerateArray().Single().GetProperty("pid").GetInt32();

            up.Kill(entireProcessTree: false);
            await up.WaitForExitAsync();

            await Eventually.Until(() => !etcd.Append(node).Any(Processes.IsRunning) && EtcdPids(dir).Count == 0, TimeSpan.FromSeconds(20),
                "etcd's members and the node gone with cluster up");
        }
        finally
        {
            await ClusterCli.RemoveClusterAsync(up, dir);
        }
    }

    [Test]
    public async Task Node_started_while_its_etcd_is_down_waits_for_it_and_comes_up()
    {
        var dir = ClusterCli.NewClusterDirectory();
        await using var etcd = await TestEtcd.StartAsync();
        await etcd.KillAsync();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var node = ClusterCli.Start(output.Enqueue, "node", "run", "--name", "n1", "--dir", dir, "--store", etcd.Location.ToString(), "--exit-with-parent");
        try
        {
            await Eventually.Until(() => output.Any(l => l.Contains($"Waiting for the cluster store {etcd.Location}", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), "the node to say it waits for its store", () => string.Join('\n', output));
            Assert.That(node.HasExited, Is.False, "it waits; it does not die");

            await etcd.RestartAsync();

            await Eventually.Until(async () => (await ClusterCli.RunAsync("node", "list", "--json", "--dir", dir)) is { ExitCode: 0 } list
                    && JsonDocument.Parse(list.Output).RootElement.EnumerateArray().Any(n => n.GetProperty("name").GetString() == "n1" && n.GetProperty("state").GetString() == "Up")
                    ? "up" : null,
                TimeSpan.FromSeconds(60), "n1 Up once etcd is back", () => string.Join('\n', output));
        }
        finally
        {
            node.StandardInput.Close();
            await node.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The running etcd members of the cluster in <paramref name="dir"/>, found from the real processes.</summary>
    private static List<int> EtcdPids(string dir)
    {
        var data = Directory.EnumerateDirectories(Path.Combine(dir, "etcd")).ToList();
        return [.. Directory.EnumerateDirectories("/proc")
            .Select(p => int.TryParse(Path.GetFileName(p), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && data.Any(d => EtcdMemberProcess.IsMemberProcess(pid, d)))];
    }

    private static async Task<string> Cli(string dir, params string[] args)
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync([.. args, "--dir", dir]);
        Assert.That(exitCode, Is.Zero, $"cluster {string.Join(' ', args)}: {error}");
        return output;
    }
}
