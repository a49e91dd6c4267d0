namespace Cluster.Service.Store;

/// <summary>
/// Tells the store's watches that some process wrote to the SQLite file's write-ahead log (inotify, through
/// <see cref="FileSystemWatcher"/>), so that an idle watch sleeps until a write instead of polling every
/// 20 ms. A hint only: the watch still checks SQLite's data_version, and still polls, only rarely. It may
/// also come early: SQLite writes a commit to the log before it makes it visible in the log's index.
/// </summary>
internal sealed class WalWriteSignal : IDisposable
{
    private readonly FileSystemWatcher? _watcher;
    private readonly WakeUp _written = new();
    private readonly string _logPath;

    private WalWriteSignal(string databasePath, FileSystemWatcher? watcher)
    {
        _logPath = Path.GetFullPath(databasePath) + "-wal";
        _watcher = watcher;
        if (_watcher is not null)
        {
            _watcher.Changed += (_, _) => _written.Fire();
            _watcher.Error += (_, _) => _written.Fire();
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>Completes at the next write to the log after it was read.</summary>
    public Task Written => _written.Next;

    /// <summary>A signal for the store in <paramref name="databasePath"/> that only <see cref="Fire"/> fires: for tests that choose when a write is announced.</summary>
    public static WalWriteSignal Manual(string databasePath) => new(databasePath, null);

    /// <summary>The log's size and time of last write now: whether anyone wrote to it since an earlier stamp.</summary>
    public WalStamp Stamp()
    {
        var log = new FileInfo(_logPath);
        return log.Exists ? new WalStamp(log.Length, log.LastWriteTimeUtc.Ticks) : default;
    }

    /// <summary>Announces a write, as inotify does.</summary>
    public void Fire() => _written.Fire();

    /// <summary>A signal for the store in <paramref name="databasePath"/>, or null where the platform cannot watch files (the watch then polls).</summary>
    public static WalWriteSignal? TryCreate(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full) + "-wal")
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size,
                IncludeSubdirectories = false,
            };
            var signal = new WalWriteSignal(databasePath, watcher);
            watcher = null;
            return signal;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or UnauthorizedAccessException or ArgumentException)
        {
            return null; // e.g. out of inotify instances: polling still finds every write
        }
        finally
        {
            watcher?.Dispose();
        }
    }

    public void Dispose() => _watcher?.Dispose();
}
