using System.Globalization;
using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>
/// README's "watch and break it" commands, read from README.md itself and run verbatim, in order, against
/// three real nodes with the samples applied, as the demo runs them. Each must do what its comment says.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ReadmeCommandsTests : NodeTestBase
{
    protected override int NodeCount => 3;

    [Test]
    public async Task Every_command_of_the_readme_demo_block_works_verbatim()
    {
        var root = Readme.RepositoryRoot();
        await Cli("apply", "-f", Path.Combine(root, "samples", "exchange.yaml"));
        await Cli("apply", "-f", Path.Combine(root, "samples", "hyperv.yaml"));
        await WaitGroupOnlineAsync("EVS1", "n1");
        await WaitGroupOnlineAsync("VM1", "n2");
        var commands = Readme.CommandsAfter("watch and break it");
        Assert.That(commands, Is.Not.Empty, "README has its demo block");
        try
        {
            foreach (var command in commands)
            {
                TestContext.Out.WriteLine($"$ {command}");
                await RunAsync(command);
            }
        }
        finally
        {
            await ClusterCli.RunAsync("down", "--dir", Dir); // what `node start` started outlives its command
        }
    }

    /// <summary>Runs one README command and waits for what its comment promises.</summary>
    private async Task RunAsync(string command)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (command)
        {
            case "cluster status":
                Assert.That(await Cli(words[1..]), Does.Contain("EVS1"));
                break;
            case "cluster log --follow":
                await FollowLogAsync();
                break;
            case "cluster trace --follow":
                await FollowTraceAsync();
                break;
            case "cluster monitor kill --resource EVS1-SMTP":
                var before = await ApplicationPidAsync("EVS1-SMTP");
                Assert.That(await Cli(words[1..]), Does.Contain("on n1"));
                await Eventually.Until(async () => await ApplicationPidAsync("EVS1-SMTP") is { } pid && pid != before ? "back" : null,
                    TimeSpan.FromSeconds(30), "EVS1-SMTP running again in a new RHS");
                await WaitGroupOnlineAsync("EVS1", "n1");
                break;
            case "kill -9 <pid of EVS1-SMTP>":
                var victim = (await ApplicationPidAsync("EVS1-SMTP"))!;
                System.Diagnostics.Process.Start("kill", ["-9", victim])!.WaitForExit();
                await Eventually.Until(async () => await ApplicationPidAsync("EVS1-SMTP") is { } pid && pid != victim ? "back" : null,
                    TimeSpan.FromSeconds(30), "EVS1-SMTP running again");
                break;
            case "cluster resource fail EVS1-Store":
                await Cli(words[1..]);
                await Eventually.Until(async () => (await Cli("log")).Contains("resource EVS1-Store failed", StringComparison.Ordinal) ? "seen" : null,
                    TimeSpan.FromSeconds(30), "the simulated failure in the log");
                await WaitGroupOnlineAsync("EVS1", "n1");
                break;
            case "cluster node kill n1":
                await Cli(words[1..]);
                await WaitGroupOnlineAsync("EVS1", "n2");
                break;
            case "cluster node start n1":
                await Cli(words[1..]);
                await Eventually.Until(async () => NodeState(await Cli("node", "list", "--json"), "n1") == "Up" ? "up" : null,
                    TimeSpan.FromSeconds(30), "n1 Up again");
                break;
            case "cluster group move EVS1 --to n1":
                await Cli(words[1..]);
                await WaitGroupOnlineAsync("EVS1", "n1");
                break;
            case "cluster group move VM1 --to nowhere":
                Assert.That(await FailingCli(words[1..]), Does.Contain("nowhere"));
                await WaitGroupOnlineAsync("VM1", "n2");
                break;
            case "cluster node pause n2 --drain":
                await Cli(words[1..]);
                await WaitGroupOnlineAsync("VM1", "n3");
                break;
            case "cluster node isolate n3":
                await Cli(words[1..]);
                await Eventually.Until(async () => (await Cli("log")).Contains("fenced", StringComparison.Ordinal) ? "fenced" : null,
                    TimeSpan.FromSeconds(30), "n3 fencing itself (1177)");
                await WaitGroupOnlineAsync("VM1", "n1");
                break;
            default:
                Assert.Fail($"README shows `{command}`: say here what it must lead to.");
                break;
        }
    }

    private async Task FollowLogAsync()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var follow = ClusterCli.Start(lines.Enqueue, "log", "--follow", "--dir", Dir);
        try
        {
            await Eventually.Until(() => lines.Any(l => l.Contains("EVS1", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "log --follow to print");
        }
        finally
        {
            follow.Kill();
            await follow.WaitForExitAsync();
        }
    }

    /// <summary>Following, it shows a CLI call to a node and a node's calls to its RHS as they happen.</summary>
    private async Task FollowTraceAsync()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var follow = ClusterCli.Start(lines.Enqueue, "trace", "--follow", "--dir", Dir);
        try
        {
            // An idle cluster makes no calls (health checks run in the RHS, heartbeats travel over its pipes):
            // ask until the subscription shows `cluster status`'s calls, then make n1 call its RHS.
            await Eventually.Until(async () =>
            {
                await Cli("status");
                return lines.Any(l => l.Contains("cli -> n", StringComparison.Ordinal) && l.Contains("ClusterAdmin/List", StringComparison.Ordinal)) ? "seen" : null;
            }, TimeSpan.FromSeconds(30), "`cluster status`'s calls while following", () => string.Join('\n', lines.TakeLast(10)));
            await ClusterCli.RunAsync(["resource", "control", "EVS1-Disk", "Get", "--dir", Dir]); // a Disk takes no control codes: an error, and a call all the same
            await Eventually.Until(() => lines.Any(l => l.Contains(" -> n1/rhs-", StringComparison.Ordinal) && l.Contains("ResourceControl", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(20), "n1's call to its RHS while following", () => string.Join('\n', lines.TakeLast(10)));
        }
        finally
        {
            follow.Kill();
            await follow.WaitForExitAsync();
        }
    }

    private async Task<string?> ApplicationPidAsync(string resource) =>
        JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement.EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == resource) is var r && r.GetProperty("state").GetString() == "Online"
            && r.TryGetProperty("applicationPid", out var pid) ? pid.GetInt32().ToString(CultureInfo.InvariantCulture) : null;

    private static string? NodeState(string json, string node) =>
        JsonDocument.Parse(json).RootElement.EnumerateArray().FirstOrDefault(n => n.GetProperty("name").GetString() == node) is { ValueKind: JsonValueKind.Object } n
            ? n.GetProperty("state").GetString() : null;
}
