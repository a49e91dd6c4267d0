using System.Text;
using System.Text.Json;

namespace Cluster.Service.ClusterLog;

/// <summary>
/// Appends a node's cluster log to <c>logs/NODE.log</c> in the cluster directory, one JSON object per
/// line, flushed line by line: a crash of the node loses nothing it wrote (at worst the last line is
/// torn, and readers skip it).
/// </summary>
internal sealed class ClusterLogWriter : IDisposable
{
    private readonly Lock _lock = new();
    private readonly FileStream _file;
    private readonly Action<ClusterLogEntry>? _onWritten;

    /// <param name="path">The log file, appended to.</param>
    /// <param name="onWritten">Sees every entry once it is on disk, in order (the node's <see cref="ClusterEventFeed"/>); it must not wait.</param>
    public ClusterLogWriter(string path, Action<ClusterLogEntry>? onWritten = null)
    {
        _onWritten = onWritten;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        // A torn line from a crash must not glue itself to our first one.
        if (_file.Length > 0)
        {
            _file.Write("\n"u8);
        }
    }

    public void Write(ClusterLogEntry entry)
    {
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, ClusterLogJson.Default.ClusterLogEntry) + "\n");
        lock (_lock)
        {
            _file.Write(line);
            _file.Flush();
            _onWritten?.Invoke(entry);
        }
    }

    public void Dispose() => _file.Dispose();
}
