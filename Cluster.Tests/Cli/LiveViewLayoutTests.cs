using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Service.Cli;
using Cluster.Service.ClusterLog;

namespace Cluster.Tests.Cli;

/// <summary>The live view's layout, a pure function of a snapshot: it fits the terminal and keeps what a user needs on top.</summary>
[TestFixture]
public sealed class LiveViewLayoutTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    [TestCase(80, 24)]
    [TestCase(120, 40)]
    [TestCase(40, 12)]
    [TestCase(20, 5)]
    [TestCase(200, 100)]
    public void The_demo_cluster_fits_the_terminal_and_keeps_the_refresh_time_and_the_command_on_top(int width, int height)
    {
        var lines = LiveView.Render(Demo(), (width, height));

        Assert.That(lines, Has.Count.LessThan(Math.Max(height, LiveView.MinimumHeight)), "the last line stays free for the cursor");
        Assert.That(lines.Select(l => l.Length), Has.All.LessThanOrEqualTo(Math.Max(width, LiveView.MinimumWidth)));
        Assert.That(lines[0], Does.Contain("refreshed"));
        Assert.That(lines[1], Does.StartWith("export CLUSTER_DIR=").And.EndWith("cluster/.cluster"), "the path's end is kept");
        Assert.That(lines[2], Does.Contain("/cluster status"), "how to call it");
        Assert.That(lines, Has.Some.StartsWith("GROUPS"));
    }

    [Test]
    public void At_80_by_24_a_failed_resource_events_and_calls_are_all_on_screen()
    {
        var lines = LiveView.Render(Demo(), (80, 24));
        TestContext.Out.WriteLine(string.Join('\n', lines));

        Assert.That(lines, Has.Some.Contains("EVS1-SMTP").And.Some.Contains("Failed"));
        Assert.That(lines, Has.Some.StartsWith("EVENTS"));
        Assert.That(lines, Has.Some.StartsWith("CALLS"));
        Assert.That(lines, Has.Some.Contains("event 19"), "the latest event");
        Assert.That(lines, Has.None.Contains("event 0)"), "not the oldest");
        Assert.That(lines, Has.None.Contains("EVS1-Disk"), "resources that are as they should be take no line");
    }

    [Test]
    public void Output_that_is_not_a_terminal_is_not_cut()
    {
        var lines = LiveView.Render(Demo(), size: null);

        Assert.That(lines, Has.Some.EqualTo("  " + LongCall));
    }

    private const string LongCall = "10:00:00.000  n1 -> n1/rhs-1 (pid 4242, shared)  ResourceHost/Online  resource=EVS1-SMTP  group=EVS1  OK  3.2 ms";

    private static LiveSnapshot Demo()
    {
        var evs = new[] { "EVS1-Disk", "EVS1-IP", "EVS1-Name", "EVS1-SA", "EVS1-Store", "EVS1-SMTP", "EVS1-IMAP4", "EVS1-POP3" };
        var resources = evs.Select(r => new Resource
        {
            Name = r, Group = "EVS1", State = r == "EVS1-SMTP" ? ResourceState.Failed : ResourceState.Online,
            PersistentState = ResourceState.Online, Hosted = true, RestartCount = r == "EVS1-SMTP" ? 2 : 0,
        }).Append(new Resource { Name = "VM1", Group = "VM1", State = ResourceState.Online, PersistentState = ResourceState.Online, Hosted = true }).ToList();
        return new LiveSnapshot(
            Now,
            "/home/someone/projects/cluster/.cluster",
            "/home/someone/projects/cluster/Cluster.Service/bin/Release/net10.0/cluster",
            [.. new[] { "n1", "n2", "n3" }.Select(n => new ClusterNode { Name = n, State = "Up", Coordinator = n == "n1" })],
            [new Group { Name = "EVS1", State = "PartialOnline", Node = "n1" }, new Group { Name = "VM1", State = "Online", Node = "n2" }],
            resources,
            [.. new[] { "n1", "n2", "n3" }.Select(n => (n, new Cluster.Protocol.Admin.V1.Monitor { Id = 0, Pid = 4242, Resources = { "EVS1-Disk" } }))],
            [.. Enumerable.Range(0, 20).Select(i => new ClusterLogEntry
            {
                Time = Now.AddSeconds(i), Node = "n1", Level = "ERR", Component = "RHS", Resource = "EVS1-SMTP",
                Text = "the resource reported a failure: application process 4242 exited with code 1, and a long cause that goes on", EventId = 1069,
            } with { Text = $"event {i}) the resource reported a failure that goes on and on past the edge of any terminal" })],
            [LongCall, LongCall]);
    }
}
