using System.Collections.Concurrent;
using System.Text.Json;
using Cluster.Service;
using Cluster.Service.Lab;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>README's two commands for etcd and the lab, read from README.md and run verbatim: each must do what its comment says, and leave nothing behind.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ReadmeStoreCommandsTests
{
    [Test]
    public async Task The_etcd_and_lab_commands_of_the_readme_work_verbatim()
    {
        var commands = Readme.CommandsAfter("## On etcd, and across simulated hosts");
        Assert.That(commands, Is.EqualTo(new[] { "cluster up --store etcd --etcd-members 3", "cluster lab up --nodes 3" }));

        var dir = ClusterCli.NewClusterDirectory();
        try
        {
            var nodes = await RunUntilAsync(commands[0], dir, "3 nodes up", async () =>
            {
                var list = await Cli(dir, "node", "list", "--json");
                Assert.That(JsonDocument.Parse(list).RootElement.GetArrayLength(), Is.EqualTo(3));
                Assert.That(File.ReadAllText(Path.Combine(dir, "store")).Split(',').Length, Is.EqualTo(3), "three etcd members");
            });
            Assert.That(nodes, Does.Contain("etcd up in"));
            Assert.That(Directory.EnumerateDirectories("/proc").Any(p => File.Exists(Path.Combine(p, "cmdline"))
                && File.ReadAllText(Path.Combine(p, "cmdline")).Contains(Path.Combine(dir, "etcd"), StringComparison.Ordinal)), Is.False, "etcd stopped with the cluster");
        }
        finally
        {
            await ClusterCli.RunAsync("down", "--dir", dir);
            Directory.Delete(dir, recursive: true);
        }

        dir = ClusterCli.NewClusterDirectory();
        try
        {
            await RunUntilAsync(commands[1], dir, "Ctrl-C stops", async () =>
            {
                var lab = LabRecord.Read(new ClusterDirectory(dir))!;
                Assert.That(lab.Hosts.Select(h => h.Name), Is.EqualTo(new[] { "e1", "n1", "n2", "n3" }));
                Assert.That(await Cli(dir, "lab", "cut", "n1"), Does.Contain("host n1 cut off"));
                Assert.That(await Cli(dir, "lab", "heal", "n1"), Does.Contain("host n1 plugged back"));
            });
            Assert.That(await NetworkLab.NamespacesAsync(CancellationToken.None), Is.Empty, "the lab removed when it stopped");
            Assert.That(File.Exists(Path.Combine(dir, LabRecord.FileName)), Is.False);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Starts a README command (`cluster ...`) on the directory, waits for its line, checks, then stops it as Ctrl-C would (SIGTERM); answers what it printed.</summary>
    private static async Task<string> RunUntilAsync(string command, string dir, string line, Func<Task> check)
    {
        var output = new ConcurrentQueue<string>();
        using var process = ClusterCli.Start(output.Enqueue, [.. command.Split(' ')[1..], "--dir", dir]);
        try
        {
            await Eventually.Until(() => output.Any(l => l.Contains(line, StringComparison.Ordinal)), TimeSpan.FromSeconds(120),
                $"`{command}` to print '{line}'", () => string.Join('\n', output));
            await check();
        }
        finally
        {
            Service.Bench.Signals.TrySend(process.Id, 15);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(patience.Token);
        }

        return string.Join('\n', output);
    }

    private static async Task<string> Cli(string dir, params string[] args)
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync([.. args, "--dir", dir]);
        Assert.That(exitCode, Is.Zero, $"cluster {string.Join(' ', args)}: {error}");
        return output;
    }
}
