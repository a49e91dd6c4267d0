namespace Cluster.Service.Store;

/// <summary>
/// Tells the store's watches that some process wrote to the SQLite file's write-ahead log (inotify, through
/// <see cref="FileSystemWatcher"/>), so that an idle watch sleeps until a write instead of polling every
/// 20 ms. A hint only: the watch still checks SQLite's data_version, and still polls, only rarely. It may
/// also come early: SQLite writes a commit to the log before it makes it visible in the log's index.
/// This process's own writes announce nothing (an idle node renews its lease four times a second, and each
/// renewal woke its watches twice for nothing): events during one are dropped, and the store announces
/// whatever others committed meanwhile, from SQLite's data_version; an event after one is dropped if the log
/// is as that write left it.
/// </summary>
internal sealed class WalWriteSignal : IDisposable
{
    private readonly FileSystemWatcher? _watcher;
    private readonly WakeUp _written = new();
    private readonly string _logPath;
    private readonly Lock _own = new();
    private int _ownWrites; // under _own
    private WalStamp _ownCommit; // under _own
    private int _announced;

    private WalWriteSignal(string databasePath, FileSystemWatcher? watcher)
    {
        _logPath = Path.GetFullPath(databasePath) + "-wal";
        _watcher = watcher;
        if (_watcher is not null)
        {
            _watcher.Changed += (_, _) => LogEvent();
            _watcher.Error += (_, _) => Fire();
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>How many writes it has announced so far: for tests that count what wakes the watches.</summary>
    public int Announced => Volatile.Read(ref _announced);

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

    /// <summary>The log as this process's last write left it: a watch that finds it so has nothing new from others.</summary>
    public WalStamp OwnCommit
    {
        get
        {
            lock (_own)
            {
                return _ownCommit;
            }
        }
    }

    /// <summary>Announces a write, whoever made it.</summary>
    public void Fire()
    {
        Interlocked.Increment(ref _announced);
        _written.Fire();
    }

    /// <summary>This process is about to write: what the log tells of until <see cref="EndOwnWrite"/> is its own doing, or was committed before it took SQLite's write lock.</summary>
    public void BeginOwnWrite()
    {
        lock (_own)
        {
            _ownWrites++;
        }
    }

    /// <summary>
    /// This process's write is done: later events are announced unless the log is as it left it. Events dropped
    /// meanwhile may have been others' too: the caller, which can ask SQLite, announces those (<see cref="Fire"/>).
    /// </summary>
    public void EndOwnWrite()
    {
        var stamp = Stamp();
        lock (_own)
        {
            _ownWrites--;
            _ownCommit = stamp;
        }
    }

    /// <summary>An inotify event (or a test's stand-in for one): announced unless it is this process's own write.</summary>
    public void LogEvent()
    {
        lock (_own)
        {
            if (_ownWrites > 0)
            {
                return;
            }
        }

        if (Stamp() != OwnCommit)
        {
            Fire();
        }
    }

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
