using Cluster.Service.Cli;
using Cluster.Service.ClusterLog;
using Cluster.Tests.Support;

namespace Cluster.Tests.ClusterLog;

[TestFixture]
public sealed class ClusterLogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private string _logs = null!;

    [SetUp]
    public void CreateDirectory() => _logs = Path.Combine(ClusterCli.NewClusterDirectory(), "logs");

    [TearDown]
    public void DeleteDirectory()
    {
        if (Directory.Exists(Path.GetDirectoryName(_logs)))
        {
            Directory.Delete(Path.GetDirectoryName(_logs)!, recursive: true);
        }
    }

    [Test]
    public void Entries_of_every_node_are_merged_by_time_and_filtered()
    {
        using (var n1 = Writer("n1"))
        using (var n2 = Writer("n2"))
        {
            n1.Write(Entry("n1", T0, "first"));
            n2.Write(Entry("n2", T0.AddSeconds(1), "second"));
            n1.Write(Entry("n1", T0.AddSeconds(2), "third"));
        }

        var reader = new ClusterLogReader(_logs);

        Assert.That(reader.Read().Select(e => e.Text), Is.EqualTo(new[] { "first", "second", "third" }));
        Assert.That(reader.Read(since: T0.AddSeconds(1)).Select(e => e.Text), Is.EqualTo(new[] { "second", "third" }));
        Assert.That(reader.Read(node: "n2").Select(e => e.Text), Is.EqualTo(new[] { "second" }));
    }

    [Test]
    public void A_line_torn_by_a_crash_is_skipped_and_the_log_goes_on()
    {
        using (var n1 = Writer("n1"))
        {
            n1.Write(Entry("n1", T0, "before"));
        }

        File.AppendAllText(Path.Combine(_logs, "n1.log"), "{\"time\":\"2026-11-22T12:00:01Z\",\"no"); // the crash
        using (var n1 = Writer("n1"))
        {
            n1.Write(Entry("n1", T0.AddSeconds(2), "after"));
        }

        Assert.That(new ClusterLogReader(_logs).Read().Select(e => e.Text), Is.EqualTo(new[] { "before", "after" }));
    }

    [Test]
    public async Task Follow_yields_what_is_there_then_what_is_written()
    {
        using var n1 = Writer("n1");
        n1.Write(Entry("n1", T0, "old"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<string>();

        await foreach (var entry in new ClusterLogReader(_logs).FollowAsync(null, null, TimeSpan.FromMilliseconds(10), cancel.Token))
        {
            seen.Add(entry.Text);
            if (seen.Count == 1)
            {
                n1.Write(Entry("n1", T0.AddSeconds(1), "new"));
            }
            else
            {
                break;
            }
        }

        Assert.That(seen, Is.EqualTo(new[] { "old", "new" }));
    }

    [Test]
    public void Entry_prints_like_cluster_log()
    {
        var entry = Entry("n1", T0, "the resource reported a failure") with
        {
            Level = "ERR", Component = "RHS", Resource = "app", OldState = "Online", NewState = "Failed", EventId = 1069,
        };

        Assert.That(entry.Format(), Does.EndWith(
            "ERR  [RHS] n1: resource app: Online -> Failed, the resource reported a failure (event 1069)"));
    }

    [TestCase("30s", 30)]
    [TestCase("5m", 300)]
    [TestCase("2h", 7200)]
    [TestCase("1d", 86400)]
    public void Since_takes_a_duration_ago(string text, int seconds)
    {
        Assert.That(SinceOption.TryParse(text, T0, out var since), Is.True);
        Assert.That(since, Is.EqualTo(T0.AddSeconds(-seconds)));
    }

    [Test]
    public void Since_takes_a_time()
    {
        Assert.That(SinceOption.TryParse("2026-11-22T10:00:00Z", T0, out var since), Is.True);
        Assert.That(since, Is.EqualTo(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero)));
    }

    [TestCase("yesterday")]
    [TestCase("5x")]
    [TestCase("m")]
    public async Task Bad_since_is_a_clear_error(string text)
    {
        var (exitCode, _, error) = await ClusterCli.RunAsync("log", "--since", text, "--dir", Path.GetDirectoryName(_logs)!);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain($"--since '{text}'"));
    }

    private ClusterLogWriter Writer(string node) => new(Path.Combine(_logs, node + ".log"));

    private static ClusterLogEntry Entry(string node, DateTimeOffset time, string text) =>
        new() { Time = time, Node = node, Level = "INFO", Component = "RCM", Text = text };
}
