using Cluster.Protocol.Admin.V1;
using Cluster.Service.Trace;

namespace Cluster.Tests.Trace;

public class TraceFileTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("cluster-trace-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private static CallRecord Record(int i) => new() { Sequence = i, Kind = "call", TimeUnixUs = i, Method = "/cluster.rhs.v1.ResourceHost/Ping", Status = "OK" };

    /// <summary>Appends the records, then stops the writer the way a stopping node does (it writes out what is queued).</summary>
    private async Task WriteAsync(int capacity, IEnumerable<CallRecord> records, Action<Exception>? onFailed = null)
    {
        await using var file = new TraceFile(_directory, "n1", capacity) { OnWriteFailed = onFailed };
        using var stop = new CancellationTokenSource();
        foreach (var record in records)
        {
            file.Append(record);
        }

        var writing = file.RunAsync(stop.Token);
        await stop.CancelAsync();
        await writing;
    }

    [Test]
    public async Task What_a_node_wrote_is_read_back_in_order()
    {
        await WriteAsync(100, Enumerable.Range(1, 5).Select(Record));

        Assert.That(TraceFile.Read(_directory, "n1").Select(r => r.Sequence), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public async Task Rotation_keeps_between_one_and_two_rings_of_the_newest_records()
    {
        await WriteAsync(4, Enumerable.Range(1, 10).Select(Record));

        Assert.That(TraceFile.Read(_directory, "n1").Select(r => r.Sequence), Is.EqualTo(new long[] { 5, 6, 7, 8, 9, 10 }));
        Assert.That(File.Exists(Path.Combine(_directory, "n1.trace.1")), Is.True);
    }

    [Test]
    public async Task A_record_cut_short_by_a_crash_ends_the_read_and_what_came_before_stands()
    {
        await WriteAsync(100, Enumerable.Range(1, 3).Select(Record));
        await using (var append = new FileStream(TraceFile.PathOf(_directory, "n1"), FileMode.Append))
        {
            append.Write([40, 8, 4]); // a length prefix of 40 bytes, and only two of them
        }

        Assert.That(TraceFile.Read(_directory, "n1").Select(r => r.Sequence), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public async Task A_disk_that_refuses_the_file_is_reported_once_and_the_writer_waits_for_the_node_to_stop()
    {
        Directory.CreateDirectory(TraceFile.PathOf(_directory, "n1")); // the file's path is taken by a folder
        var failures = new List<Exception>();
        await using var file = new TraceFile(_directory, "n1", 10) { OnWriteFailed = failures.Add };
        using var stop = new CancellationTokenSource();
        file.Append(Record(1));

        var writing = file.RunAsync(stop.Token);
        await Support.Eventually.Until(() => failures.Count == 1, TimeSpan.FromSeconds(10), "the failure reported");
        Assert.That(writing.IsCompleted, Is.False, "an ended loop would end the node: it waits for the stop instead");
        file.Append(Record(2)); // recording carries on in memory; nothing is queued for the disk any more
        await stop.CancelAsync();
        await writing;
        Assert.That(failures, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_node_that_never_wrote_has_nothing_to_read() =>
        Assert.That(TraceFile.Read(_directory, "n7"), Is.Empty);
}
