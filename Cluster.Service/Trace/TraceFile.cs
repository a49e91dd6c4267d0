using System.Threading.Channels;
using Cluster.Protocol.Admin.V1;
using Google.Protobuf;

namespace Cluster.Service.Trace;

/// <summary>
/// A node's trace ring on disk, so that the last minutes of calls outlive the node: records appended
/// as length-delimited protobuf to traces/N.trace, which is rotated to N.trace.1 once it holds the
/// ring's capacity, so the two files hold between one and two rings' worth. Records are written by a
/// background loop; a call never waits for the disk (when the loop falls behind, records are counted as
/// lost instead). Written with write(2), not fsync: what the node wrote survives the node's crash, not the
/// machine's.
/// </summary>
internal sealed class TraceFile : IAsyncDisposable
{
    private const int QueueLength = 8_192;

    /// <summary>A record's messages are at most 4 MiB each (the gRPC limit): a larger length prefix is damage.</summary>
    private const int MaxRecordBytes = 16 * 1024 * 1024;

    private readonly string _path;
    private readonly int _capacity;
    private readonly Channel<CallRecord> _queue = Channel.CreateBounded<CallRecord>(
        new BoundedChannelOptions(QueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private FileStream? _stream;
    private int _written;
    private long _lost;

    public TraceFile(string directory, string node, int capacity)
    {
        Directory.CreateDirectory(directory);
        _path = PathOf(directory, node);
        _capacity = capacity;
    }

    /// <summary>Records that could not be queued for the disk because the writer was behind.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public static string PathOf(string directory, string node) => Path.Combine(directory, node + ".trace");

    /// <summary>What a node wrote (N.trace.1, then N.trace), oldest first; a record cut short by a crash ends the read.</summary>
    public static IReadOnlyList<CallRecord> Read(string directory, string node)
    {
        var path = PathOf(directory, node);
        var records = new List<CallRecord>();
        foreach (var file in new[] { path + ".1", path })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // Length and bytes are checked by hand: protobuf's own delimited parser takes a record cut
            // short by a crash for a complete, shorter one.
            while (ReadLength(stream) is { } length)
            {
                var bytes = new byte[length];
                if (stream.ReadAtLeast(bytes, length, throwOnEndOfStream: false) < length || !TryParse(bytes, out var record))
                {
                    break; // the last record was being written when the node died: what came before it stands
                }

                records.Add(record);
            }
        }

        return records;
    }

    /// <summary>A varint length prefix; null at the end of the file or where it is cut short or absurd.</summary>
    private static int? ReadLength(Stream stream)
    {
        var length = 0L;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                return null;
            }

            length |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return length <= MaxRecordBytes ? (int)length : null;
            }
        }

        return null;
    }

    private static bool TryParse(byte[] bytes, out CallRecord record)
    {
        try
        {
            record = CallRecord.Parser.ParseFrom(bytes);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            record = null!;
            return false;
        }
    }

    /// <summary>Queues a record for the disk; never waits.</summary>
    public void Append(CallRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _lost);
        }
    }

    /// <summary>
    /// The writer loop: appends what is queued, flushing to the OS whenever the queue runs dry; on stop,
    /// writes out what is still queued. A disk that refuses the file (full, gone) ends persistence with
    /// one error in the node's log, not the node: the ring in memory carries on.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    await DrainAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await DrainAsync().ConfigureAwait(false); // the node is stopping: keep what it recorded last
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _queue.Writer.TryComplete();
            OnWriteFailed?.Invoke(e);
            // Not a loop that ended early: it has nothing more to do until the node stops.
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(
                static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>Told once when the disk refused the file and persistence stopped.</summary>
    public Action<Exception>? OnWriteFailed { get; init; }

    private async Task DrainAsync()
    {
        while (_queue.Reader.TryRead(out var record))
        {
            Write(record);
        }

        if (_stream is { } stream)
        {
            await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_stream is { } stream)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Write(CallRecord record)
    {
        if (_stream is null || _written >= _capacity)
        {
            Rotate();
        }

        record.WriteDelimitedTo(_stream!);
        _written++;
    }

    /// <summary>The current file becomes N.trace.1 (the older one goes) and a new one starts.</summary>
    private void Rotate()
    {
        _stream?.Dispose();
        if (File.Exists(_path))
        {
            File.Move(_path, _path + ".1", overwrite: true);
        }

        _stream = new FileStream(_path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 64 * 1024);
        _written = 0;
    }
}
