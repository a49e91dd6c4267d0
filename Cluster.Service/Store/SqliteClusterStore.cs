using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Cluster.Service.Store;

/// <summary>
/// The embedded cluster store: etcd's model on one SQLite file (the idea of k3s's kine), safe for
/// several node processes at once. WAL journal, and every write in a BEGIN IMMEDIATE transaction, so
/// a kill -9 of any process at any moment loses nothing committed and leaves nothing half-written.
/// Also runs in memory, for tests.
/// </summary>
internal sealed class SqliteClusterStore : IClusterStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
        CREATE TABLE IF NOT EXISTS kv (
            key TEXT PRIMARY KEY, value BLOB NOT NULL, create_revision INTEGER NOT NULL,
            mod_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS kv_lease ON kv (lease) WHERE lease <> 0;
        CREATE TABLE IF NOT EXISTS events (
            id INTEGER PRIMARY KEY AUTOINCREMENT, revision INTEGER NOT NULL, kind INTEGER NOT NULL, key TEXT NOT NULL,
            value BLOB NOT NULL, create_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS events_revision ON events (revision);
        CREATE TABLE IF NOT EXISTS leases (id INTEGER PRIMARY KEY AUTOINCREMENT, ttl_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
        """;

    // A key whose lease has expired is gone for readers even before the sweeper deletes it.
    private const string Live = "(kv.lease = 0 OR EXISTS (SELECT 1 FROM leases l WHERE l.id = kv.lease AND l.expires_ms > $now))";

    private readonly SqliteConnection _connection;
    private readonly ClusterStoreOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private readonly Task _sweeper;
    private readonly WakeUp _changed = new(); // this process changed keys: wakes its watches
    private readonly WakeUp _granted = new(); // this process granted a lease: wakes its sweeper
    private SqliteCommand? _dataVersion;
    private readonly WalWriteSignal? _walWrites; // null: other processes' writes are found by polling
    private long? _versionAtLastWrite; // data_version at the end of this process's last write (under _gate)
    private const int EventBatch = 500;
    private static readonly Task s_never = new TaskCompletionSource().Task;

    private SqliteClusterStore(SqliteConnection connection, ClusterStoreOptions options, WalWriteSignal? walWrites)
    {
        _connection = connection;
        _options = options;
        _walWrites = walWrites;
        _sweeper = options.LeaseSweepInterval > TimeSpan.Zero ? SweepAsync() : Task.CompletedTask;
    }

    /// <summary>Opens (creating if need be) the store in <paramref name="path"/>.</summary>
    public static SqliteClusterStore Open(string path, ClusterStoreOptions? options = null) =>
        Open(path, options, WalWriteSignal.TryCreate(path));

    /// <summary>Opens the store with <paramref name="walWrites"/> telling it of other processes' writes (null: it polls).</summary>
    internal static SqliteClusterStore Open(string path, ClusterStoreOptions? options, WalWriteSignal? walWrites)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        return Initialize(connection, options, walWrites);
    }

    /// <summary>A private store in memory: the same code and semantics, gone when disposed.</summary>
    public static SqliteClusterStore OpenInMemory(ClusterStoreOptions? options = null) =>
        Initialize(new SqliteConnection("Data Source=:memory:;Pooling=False"), options, walWrites: null);

    private static SqliteClusterStore Initialize(SqliteConnection connection, ClusterStoreOptions? options, WalWriteSignal? walWrites)
    {
        var wal = connection.DataSource != ":memory:";
        try
        {
            connection.Open();
            // synchronous=NORMAL in WAL mode: a process crash loses nothing committed (the OS holds the
            // pages); only a power cut could lose the last transactions.
            Execute(connection, null, wal
                ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
                : "PRAGMA busy_timeout=30000;");
            using var schema = connection.BeginTransaction(deferred: false);
            Execute(connection, schema, Schema);
            schema.Commit();
        }
        catch (SqliteException e)
        {
            var failed = new ClusterStoreException($"The cluster store {connection.DataSource} could not be opened: {e.Message}", e);
            walWrites?.Dispose();
            connection.Dispose();
            throw failed;
        }

        return new SqliteClusterStore(connection, options ?? new ClusterStoreOptions(), walWrites);
    }

    public Task<long> CurrentRevisionAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(() => ReadMeta(null, "revision"), cancellationToken);

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        RequireKey(key);
        return ReadAsync(() => ReadKey(null, key, Now()), cancellationToken);
    }

    public Task<(IReadOnlyList<KeyValue> Items, long Revision)> RangeAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return ReadAsync<(IReadOnlyList<KeyValue>, long)>(() =>
        {
            // One read transaction: the items and the revision are one snapshot.
            using var snapshot = _connection.BeginTransaction(deferred: true);
            using var command = Command(snapshot,
                $"SELECT key, value, create_revision, mod_revision, version, lease FROM kv WHERE substr(key, 1, $length) = $prefix AND {Live} ORDER BY key");
            command.Parameters.AddWithValue("$length", prefix.Length);
            command.Parameters.AddWithValue("$prefix", prefix);
            command.Parameters.AddWithValue("$now", Now());
            var items = new List<KeyValue>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    items.Add(ReadKeyValue(reader));
                }
            }

            var revision = ReadMeta(snapshot, "revision");
            snapshot.Commit();
            return (items, revision);
        }, cancellationToken);
    }

    public Task<TransactionResult> TransactAsync(Transaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        foreach (var compare in transaction.Compares)
        {
            RequireKey(compare.Key);
        }

        foreach (var operation in transaction.Success.Concat(transaction.Failure))
        {
            if (operation.Kind != StoreOperationKind.DeletePrefix)
            {
                RequireKey(operation.Key);
            }

            if (operation.Kind == StoreOperationKind.Put && operation.Value is null)
            {
                throw new ClusterStoreException($"Put of {operation.Key} has no value.");
            }
        }

        return WriteAsync(
            (tx, now) =>
            {
                var succeeded = transaction.Compares.All(c => c.Holds(ReadKey(tx, c.Key, now)));
                var revision = ReadMeta(tx, "revision");
                var next = revision + 1;
                var changed = false;
                foreach (var operation in succeeded ? transaction.Success : transaction.Failure)
                {
                    changed |= Apply(tx, operation, next, now);
                }

                if (changed)
                {
                    Advance(tx, next);
                    revision = next;
                }

                return (new TransactionResult(succeeded, revision), changed);
            },
            cancellationToken);
    }

    public async Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        if (ttl <= TimeSpan.Zero)
        {
            throw new ClusterStoreException($"A lease needs a positive TTL, not {ttl}.");
        }

        var lease = await WriteAsync(
            (tx, now) =>
            {
                using var command = Command(tx, "INSERT INTO leases (ttl_ms, expires_ms) VALUES ($ttl, $expires); SELECT last_insert_rowid();");
                command.Parameters.AddWithValue("$ttl", (long)ttl.TotalMilliseconds);
                command.Parameters.AddWithValue("$expires", now + (long)ttl.TotalMilliseconds);
                return ((long)command.ExecuteScalar()!, false);
            },
            cancellationToken).ConfigureAwait(false);
        _granted.Fire();
        return new LeaseGrant(lease, ttl);
    }

    public Task<bool> KeepAliveAsync(long lease, CancellationToken cancellationToken = default) =>
        WriteAsync(
            (tx, now) =>
            {
                using var command = Command(tx, "UPDATE leases SET expires_ms = $now + ttl_ms WHERE id = $id AND expires_ms > $now");
                command.Parameters.AddWithValue("$id", lease);
                command.Parameters.AddWithValue("$now", now);
                return (command.ExecuteNonQuery() == 1, false);
            },
            cancellationToken);

    public Task RevokeLeaseAsync(long lease, CancellationToken cancellationToken = default) =>
        WriteAsync((tx, _) => (true, EndLeases(tx, "id = $id", ("$id", lease))), cancellationToken);

    public async Task ExpireLeasesAsync(CancellationToken cancellationToken = default)
    {
        // A cheap read first, so that the sweeper takes the write lock only when there is work.
        var anyExpired = await ReadAsync(() =>
        {
            using var probe = Command(null, "SELECT EXISTS (SELECT 1 FROM leases WHERE expires_ms <= $now)");
            probe.Parameters.AddWithValue("$now", Now());
            return (long)probe.ExecuteScalar()! != 0;
        }, cancellationToken).ConfigureAwait(false);
        if (!anyExpired)
        {
            return;
        }

        await WriteAsync((tx, now) => (true, EndLeases(tx, "expires_ms <= $now", ("$now", now))), cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<WatchEvent> WatchAsync(
        string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var cursor = await ReadAsync(() =>
        {
            var compacted = ReadMeta(null, "compacted");
            if (fromRevision != 0 && fromRevision <= compacted)
            {
                throw new ClusterStoreException(
                    $"Revision {fromRevision} has been compacted; the oldest a watch can start from is {compacted + 1}.");
            }

            var from = fromRevision == 0 ? ReadMeta(null, "revision") + 1 : fromRevision;
            using var start = Command(null, "SELECT COALESCE(MAX(id), 0) FROM events WHERE revision < $from");
            start.Parameters.AddWithValue("$from", from);
            return (long)start.ExecuteScalar()!;
        }, cancellationToken).ConfigureAwait(false);

        var seenVersion = -1L; // data_version at the last read that found everything; -1: read next time
        Task? poll = null; // one poll timer at a time: a fresh one at every wake-up would leave a trail of timers to fire
        TimeSpan? lookAgainAfter = null; // set while the log holds another process's commit not visible yet
        var lastRead = default(WalStamp);
        while (true)
        {
            var changed = _changed.Next;
            var written = _walWrites?.Written ?? s_never;
            var unseenCommit = false;
            var batch = await ReadAsync<List<(long Id, WatchEvent Event)>>(() =>
            {
                // Skip the query when nothing was committed since the last read: data_version moves with
                // other processes' commits, and our own clear seenVersion below. Most polls of an idle cluster end here.
                var version = DataVersion();
                var log = _walWrites?.Stamp() ?? default;
                var othersWrote = log != lastRead && log != _walWrites?.OwnCommit;
                lastRead = log;
                if (version == seenVersion)
                {
                    // Another process wrote to the log, but SQLite does not show it yet: it makes a commit
                    // visible just after writing it, and the write can wake us in between. (A write that leaves
                    // the stamp as it was, the same size within the file system's clock tick, is left to the poll.)
                    unseenCommit = othersWrote || lookAgainAfter is not null;
                    return [];
                }

                var read = ReadEvents(prefix, cursor);
                seenVersion = read.Count < EventBatch ? version : -1; // a full batch: more may be waiting
                return read;
            }, cancellationToken).ConfigureAwait(false);

            foreach (var (id, item) in batch)
            {
                cursor = id;
                yield return item;
            }

            if (batch.Count == 0)
            {
                // Our own writes wake us at once; other processes' when they write to the log, or at the next poll;
                // a commit not visible yet is looked for again soon (5 ms, then twice as long each time), not at the poll.
                lookAgainAfter = !unseenCommit ? null
                    : lookAgainAfter is not { } last ? _options.WatchRecheckInterval
                    : last * 2 < _options.WatchSafetyPollInterval ? last * 2
                    : null;
                var lookAgain = lookAgainAfter is { } after ? Task.Delay(after, _options.TimeProvider, cancellationToken) : s_never;
                poll ??= Task.Delay(_walWrites is null ? _options.WatchPollInterval : _options.WatchSafetyPollInterval, _options.TimeProvider, cancellationToken);
                await Task.WhenAny(changed, written, poll, lookAgain).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (poll.IsCompleted)
                {
                    poll = null;
                }
            }
            else
            {
                lookAgainAfter = null;
            }

            if (changed.IsCompleted)
            {
                seenVersion = -1; // this process committed since the read: data_version does not show its own commits
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sweeper.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The sweeper stops with us.
        }

        _dataVersion?.Dispose();
        _walWrites?.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
        _disposing.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="read"/> alone on the connection. SQLite's own errors (a busy timeout, an I/O error,
    /// a damaged file) leave as <see cref="ClusterStoreException"/>: nothing above the store knows it is SQLite.
    /// </summary>
    private async Task<T> ReadAsync<T>(Func<T> read, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return read();
        }
        catch (SqliteException e)
        {
            throw Failed(e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<T> WriteAsync<T>(Func<SqliteTransaction, long, (T Result, bool Changed)> write, CancellationToken cancellationToken)
    {
        var outcome = await ReadAsync(() =>
        {
            _walWrites?.BeginOwnWrite();
            long? before = null; // data_version once we hold SQLite's write lock: nobody else commits until we do
            try
            {
                using var tx = _connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: writers queue, never deadlock
                before = _walWrites is null ? null : DataVersion(tx);
                var result = write(tx, Now());
                tx.Commit();
                return result;
            }
            finally
            {
                if (_walWrites is not null)
                {
                    // The log's events were dropped while we wrote: announce what others committed before we held
                    // the lock, or in the moment between our commit and the end of our write (or anything, if we
                    // never held the lock).
                    _walWrites.EndOwnWrite();
                    var after = DataVersion();
                    if (before != _versionAtLastWrite || after != before)
                    {
                        _walWrites.Fire();
                    }

                    _versionAtLastWrite = after;
                }
            }
        }, cancellationToken).ConfigureAwait(false);

        if (outcome.Changed)
        {
            _changed.Fire();
        }

        return outcome.Result;
    }

    private bool Apply(SqliteTransaction tx, StoreOperation operation, long revision, long now)
    {
        switch (operation.Kind)
        {
            case StoreOperationKind.Put:
                if (operation.Lease != 0 && !LeaseAlive(tx, operation.Lease, now))
                {
                    throw new ClusterStoreException($"Lease {operation.Lease} does not exist or has expired; {operation.Key} was not written.");
                }

                var existing = ReadKey(tx, operation.Key, now);
                var written = new KeyValue(
                    operation.Key, operation.Value!, existing?.CreateRevision ?? revision, revision, (existing?.Version ?? 0) + 1, operation.Lease);
                using (var put = Command(tx, """
                    INSERT INTO kv (key, value, create_revision, mod_revision, version, lease) VALUES ($key, $value, $create, $mod, $version, $lease)
                    ON CONFLICT (key) DO UPDATE SET value = $value, create_revision = $create, mod_revision = $mod, version = $version, lease = $lease
                    """))
                {
                    Bind(put, written);
                    put.ExecuteNonQuery();
                }

                Record(tx, WatchEventKind.Put, written);
                return true;
            case StoreOperationKind.Delete:
                return Delete(tx, "key = $key", ("$key", operation.Key), revision);
            default:
                return Delete(tx, "substr(key, 1, length($prefix)) = $prefix", ("$prefix", operation.Key), revision);
        }
    }

    private bool Delete(SqliteTransaction tx, string where, (string Name, object Value) parameter, long revision)
    {
        var doomed = new List<KeyValue>();
        using (var select = Command(tx, $"SELECT key, value, create_revision, mod_revision, version, lease FROM kv WHERE {where}"))
        {
            select.Parameters.AddWithValue(parameter.Name, parameter.Value);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                doomed.Add(ReadKeyValue(reader));
            }
        }

        foreach (var item in doomed)
        {
            using var delete = Command(tx, "DELETE FROM kv WHERE key = $key");
            delete.Parameters.AddWithValue("$key", item.Key);
            delete.ExecuteNonQuery();
            Record(tx, WatchEventKind.Delete, item with { Value = [], ModRevision = revision, Version = 0 });
        }

        return doomed.Count > 0;
    }

    /// <summary>Deletes the leases that match and their keys, as one new revision.</summary>
    private bool EndLeases(SqliteTransaction tx, string where, (string Name, object Value) parameter)
    {
        var leases = new List<long>();
        using (var select = Command(tx, $"SELECT id FROM leases WHERE {where}"))
        {
            select.Parameters.AddWithValue(parameter.Name, parameter.Value);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                leases.Add(reader.GetInt64(0));
            }
        }

        var revision = ReadMeta(tx, "revision") + 1;
        var changed = false;
        foreach (var lease in leases)
        {
            changed |= Delete(tx, "lease = $lease", ("$lease", lease), revision);
            using var delete = Command(tx, "DELETE FROM leases WHERE id = $id");
            delete.Parameters.AddWithValue("$id", lease);
            delete.ExecuteNonQuery();
        }

        if (changed)
        {
            Advance(tx, revision);
        }

        return changed;
    }

    private void Advance(SqliteTransaction tx, long revision)
    {
        using var update = Command(tx, "UPDATE meta SET value = $revision WHERE name = 'revision'");
        update.Parameters.AddWithValue("$revision", revision);
        update.ExecuteNonQuery();
        if (revision % 100 == 0 && revision > _options.HistoryRevisions)
        {
            var compacted = revision - _options.HistoryRevisions;
            using var compact = Command(tx, "DELETE FROM events WHERE revision <= $compacted; UPDATE meta SET value = $compacted WHERE name = 'compacted'");
            compact.Parameters.AddWithValue("$compacted", compacted);
            compact.ExecuteNonQuery();
        }
    }

    private void Record(SqliteTransaction tx, WatchEventKind kind, KeyValue item)
    {
        using var insert = Command(tx, """
            INSERT INTO events (revision, kind, key, value, create_revision, version, lease) VALUES ($mod, $kind, $key, $value, $create, $version, $lease)
            """);
        Bind(insert, item);
        insert.Parameters.AddWithValue("$kind", (int)kind);
        insert.ExecuteNonQuery();
    }

    /// <summary>
    /// SQLite's data_version: changes whenever another connection (another node) commits. The command is
    /// kept prepared: the watches ask fifty times a second. Under <see cref="_gate"/>; inside a transaction, with it.
    /// </summary>
    private long DataVersion(SqliteTransaction? tx = null)
    {
        _dataVersion ??= Command(null, "PRAGMA data_version");
        _dataVersion.Transaction = tx;
        return (long)_dataVersion.ExecuteScalar()!;
    }

    private List<(long Id, WatchEvent Event)> ReadEvents(string prefix, long afterId)
    {
        using var command = Command(null, """
            SELECT id, kind, key, value, create_revision, revision, version, lease FROM events
            WHERE id > $after AND substr(key, 1, $length) = $prefix ORDER BY id LIMIT $limit
            """);
        command.Parameters.AddWithValue("$limit", EventBatch);
        command.Parameters.AddWithValue("$after", afterId);
        command.Parameters.AddWithValue("$length", prefix.Length);
        command.Parameters.AddWithValue("$prefix", prefix);
        var events = new List<(long, WatchEvent)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var item = new KeyValue(
                reader.GetString(2), (byte[])reader[3], reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
            events.Add((reader.GetInt64(0), new WatchEvent((WatchEventKind)reader.GetInt32(1), item)));
        }

        // A batch ends on a whole prefix of the history: ids are committed in order under the write lock.
        return events;
    }

    private KeyValue? ReadKey(SqliteTransaction? tx, string key, long now)
    {
        using var command = Command(tx, $"SELECT key, value, create_revision, mod_revision, version, lease FROM kv WHERE key = $key AND {Live}");
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$now", now);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadKeyValue(reader) : null;
    }

    private bool LeaseAlive(SqliteTransaction tx, long lease, long now)
    {
        using var command = Command(tx, "SELECT EXISTS (SELECT 1 FROM leases WHERE id = $id AND expires_ms > $now)");
        command.Parameters.AddWithValue("$id", lease);
        command.Parameters.AddWithValue("$now", now);
        return (long)command.ExecuteScalar()! == 1;
    }

    private long ReadMeta(SqliteTransaction? tx, string name)
    {
        using var command = Command(tx, "SELECT value FROM meta WHERE name = $name");
        command.Parameters.AddWithValue("$name", name);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// Deletes the keys of expired leases, waking at the earliest expiry (so a dead node's keys go at once;
    /// no lease expires later than its TTL from now), when this process grants a lease, and at the latest
    /// after <see cref="ClusterStoreOptions.LeaseSweepInterval"/>, for leases other processes granted
    /// meanwhile. Renewals only move expiries later, so they need no wake-up of their own: an idle node's
    /// sweeper wakes about once per TTL. A late sweep delays only the keys' delete events: reads never see
    /// the keys of an expired lease.
    /// </summary>
    private async Task SweepAsync()
    {
        while (!_disposing.IsCancellationRequested)
        {
            var granted = _granted.Next;
            var wait = _options.LeaseSweepInterval;
            try
            {
                if (await EarliestLeaseExpiryAsync(_disposing.Token).ConfigureAwait(false) is { } expiry)
                {
                    var untilExpiry = TimeSpan.FromMilliseconds(expiry - Now() + 1); // expired means expires_ms <= now
                    wait = untilExpiry < TimeSpan.Zero ? TimeSpan.Zero : untilExpiry < wait ? untilExpiry : wait;
                }
            }
            catch (ClusterStoreException)
            {
                // The store failed underneath (the callers of its operations hear of it): look again after the longest sleep.
            }

            await Task.WhenAny(granted, Task.Delay(wait, _options.TimeProvider, _disposing.Token)).ConfigureAwait(false);
            _disposing.Token.ThrowIfCancellationRequested();
            try
            {
                await ExpireLeasesAsync(_disposing.Token).ConfigureAwait(false);
            }
            catch (ClusterStoreException)
            {
                // As above: the next round tries again.
            }
        }
    }

    private Task<long?> EarliestLeaseExpiryAsync(CancellationToken cancellationToken) => ReadAsync<long?>(() =>
    {
        using var command = Command(null, "SELECT MIN(expires_ms) FROM leases");
        return command.ExecuteScalar() is long expiry ? expiry : null;
    }, cancellationToken);

    private ClusterStoreException Failed(SqliteException e) =>
        new($"The cluster store {_connection.DataSource} failed: {e.Message}", e);

    private long Now() => _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private SqliteCommand Command(SqliteTransaction? tx, string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Bind(SqliteCommand command, KeyValue item)
    {
        command.Parameters.AddWithValue("$key", item.Key);
        command.Parameters.AddWithValue("$value", item.Value);
        command.Parameters.AddWithValue("$create", item.CreateRevision);
        command.Parameters.AddWithValue("$mod", item.ModRevision);
        command.Parameters.AddWithValue("$version", item.Version);
        command.Parameters.AddWithValue("$lease", item.Lease);
    }

    private static KeyValue ReadKeyValue(SqliteDataReader reader) =>
        new(reader.GetString(0), (byte[])reader[1], reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));

    private static void RequireKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ClusterStoreException("A key must not be empty.");
        }
    }
}
