using Cluster.Protocol.Admin.V1;
using Cluster.Service;
using Cluster.Service.Admin;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>A node's cluster events through the admin API's WatchEvents stream, on real nodes.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ClusterEventsTests : NodeTestBase
{
    protected override int NodeCount => 2;

    [Test]
    public async Task The_stream_carries_group_states_restart_counts_and_a_resource_the_node_stops_hosting_ends_offline()
    {
        await Cli("group", "create", "web", "--prop", "PreferredOwners=n1,n2");
        await Cli("resource", "create", "web-app", "--group", "web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 9801", "--prop", "RestartDelay=0", "--prop", "RestartThreshold=1");
        await Cli("group", "online", "web", "--wait", "30");
        await WaitGroupOnlineAsync("web", "n1");
        await WaitApplicationsAsync(1, "sleep", "9801");
        await Cli("resource", "fail", "web-app");
        await Eventually.Until(async () => (await EventsAsync("n1")).Any(e => e.Resource == "web-app" && e.RestartCount == 1) ? "restarted" : null,
            TimeSpan.FromSeconds(30), "the restart decision with its count");

        await WaitGroupOnlineAsync("web", "n1");

        await Cli("resource", "fail", "web-app"); // past its threshold: Failed on n1, and the group fails over
        await WaitGroupOnlineAsync("web", "n2");

        var n1 = await Eventually.Until(async () => await EventsAsync("n1") is var events
                && events.Any(e => e.Resource == "web-app" && e.OldState == "Failed" && e.NewState == "Offline" && e.Text.Contains("no longer hosted", StringComparison.Ordinal))
                && events.Any(e => e.Group == "web" && e.Resource.Length == 0 && e.NewState == "Offline")
                ? events : null,
            TimeSpan.FromSeconds(30), "n1's events to show web gone from it");
        Assert.That(n1.Select(e => e.Sequence), Is.Ordered.And.Unique, "numbered by the node, in order");
        Assert.That(n1.Where(e => e.Group == "web" && e.Resource.Length == 0).Select(e => e.NewState), Does.Contain("Online"), "the group's Online on n1");
        var n2 = await EventsAsync("n2");
        Assert.That(n2.Any(e => e.Group == "web" && e.Resource.Length == 0 && e.NewState == "Online" && e.Component == "RCM"), Is.True, "and on n2");
        Assert.That(n2.All(e => e.Node == "n2"), Is.True);
    }

    [Test]
    public async Task The_log_has_why_the_RCM_calls_Online_each_pending_checkpoint_and_what_the_DLL_logs_while_it_opens()
    {
        await HostAsync("slow", "--type", "FaultInjection", "--prop", "PendingSteps=2", "--prop", "PendingStepMs=50");
        await WaitForResourceAsync("slow", "Online");

        var texts = await Eventually.Until(async () => await EventsAsync("n1") is var events
                && events.Any(e => e.Resource == "slow" && e.Text.StartsWith("progress: OnlinePending checkpoint 2", StringComparison.Ordinal))
                ? events.Where(e => e.Resource == "slow").Select(e => e.Text).ToList() : null,
            TimeSpan.FromSeconds(30), "slow's checkpoints in the log");

        Assert.That(texts, Does.Contain("DLL: opened: PendingStepMs=50, PendingSteps=2").Or.Contain("DLL: opened: PendingSteps=2, PendingStepMs=50"));
        Assert.That(texts, Does.Contain("calls Online on slow: persisted Online, reported Offline, no dependencies"));
        Assert.That(texts, Does.Contain("progress: OnlinePending checkpoint 1: step 1 of 2"));
        Assert.That(texts.IndexOf(texts.First(t => t.StartsWith("DLL: opened", StringComparison.Ordinal))),
            Is.LessThan(texts.IndexOf("calls Online on slow: persisted Online, reported Offline, no dependencies")), "Open comes before Online");
    }

    [Test]
    public async Task A_follower_gets_the_backlog_then_what_happens_next_with_nothing_lost_or_repeated()
    {
        using var client = AdminClient.Connect(new ClusterDirectory(Dir).ReadNodeRecords().Single(r => r.Name == "n1"), new ClusterDirectory(Dir).ReadToken());
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<ClusterEvent>();
        var following = Task.Run(async () =>
        {
            await foreach (var e in client.WatchEvents(0, follow: true, stop.Token))
            {
                lock (seen)
                {
                    seen.Add(e);
                }

                if (e.Group == "live" && e.NewState == "Online" && e.Resource.Length == 0)
                {
                    return;
                }
            }
        });

        await HostAsync("live", "--type", "FaultInjection");

        await following.WaitAsync(TimeSpan.FromSeconds(60));
        lock (seen)
        {
            Assert.That(seen.Select(e => e.Sequence), Is.EqualTo(Enumerable.Range(1, seen.Count).Select(i => (long)i)), "from 1, every number once");
        }
    }

    private async Task<List<ClusterEvent>> EventsAsync(string node)
    {
        var directory = new ClusterDirectory(Dir);
        using var client = AdminClient.Connect(directory.ReadNodeRecords().Single(r => r.Name == node), directory.ReadToken());
        var events = new List<ClusterEvent>();
        await foreach (var e in client.WatchEvents(0, follow: false))
        {
            events.Add(e);
        }

        return events;
    }
}
