using System.Runtime.CompilerServices;
using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cluster.Service.Store.Etcd;

/// <summary>
/// The cluster store on etcd (v3 API, over gRPC): the store's model is etcd's, so each call is one etcd
/// request. etcd keeps the revisions, runs the transactions, expires the leases and serves the watches;
/// this class only translates, and turns etcd's errors into <see cref="ClusterStoreException"/>s.
/// With several members it talks to one at a time and moves to the next when a call to it fails for
/// want of an answer; callers retry (every loop above the store is level-triggered).
/// </summary>
internal sealed class EtcdClusterStore : IClusterStore
{
    private static readonly ByteString s_allKeys = ByteString.CopyFrom(0); // as key and range end: every key
    // A member that has lost its leader refuses at once instead of waiting for one: the call moves on to the next member.
    private static readonly Metadata s_requireLeader = new() { { "hasleader", "true" } };

    private readonly EtcdMember[] _members;
    private readonly EtcdStoreOptions _options;
    private readonly object _moving = new();
    private int _current;
    private CancellationTokenSource _onCurrent = new(); // cancelled when the store moves to another member: its watches follow

    private EtcdClusterStore(EtcdMember[] members, EtcdStoreOptions options)
    {
        _members = members;
        _options = options;
    }

    /// <summary>A store on the etcd cluster at <paramref name="endpoints"/> (http URLs of its members); connects lazily.</summary>
    public static EtcdClusterStore Connect(IReadOnlyList<Uri> endpoints, EtcdStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("etcd needs at least one endpoint.", nameof(endpoints));
        }

        options ??= new EtcdStoreOptions();
        return new EtcdClusterStore([.. endpoints.Select(e => EtcdMember.Create(e, options))], options);
    }

    /// <summary>Checks that a member of the etcd at <paramref name="location"/> answers, trying each in turn.</summary>
    /// <exception cref="ClusterUserException">None does; names them and the last error.</exception>
    public static async Task RequireAnswerAsync(StoreLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        await using var store = Connect(location.EtcdEndpoints, new EtcdStoreOptions { CallTimeout = TimeSpan.FromSeconds(2) });
        var errors = new List<string>();
        foreach (var _ in location.EtcdEndpoints)
        {
            try
            {
                await store.CurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ClusterStoreException e)
            {
                errors.Add(e.Message);
            }
        }

        throw new ClusterUserException($"No member of the etcd at {location} answers: {string.Join("; ", errors)}");
    }

    public async Task<long> CurrentRevisionAsync(CancellationToken cancellationToken = default)
    {
        // A read of one key that need not exist: its header carries the store's revision.
        var response = await CallAsync("read the revision", (m, o) => m.Kv.RangeAsync(new RangeRequest { Key = s_allKeys, CountOnly = true }, o), cancellationToken)
            .ConfigureAwait(false);
        return response.Header.Revision;
    }

    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        RequireKey(key);
        var response = await CallAsync($"read {key}", (m, o) => m.Kv.RangeAsync(new RangeRequest { Key = Bytes(key) }, o), cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : ToKeyValue(response.Kvs[0]);
    }

    public async Task<(IReadOnlyList<KeyValue> Items, long Revision)> RangeAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var request = new RangeRequest { Key = PrefixStart(prefix), RangeEnd = PrefixEnd(prefix) }; // etcd sorts by key unless told otherwise
        var response = await CallAsync($"read {Describe(prefix)}", (m, o) => m.Kv.RangeAsync(request, o), cancellationToken).ConfigureAwait(false);
        return ([.. response.Kvs.Select(ToKeyValue)], response.Header.Revision);
    }

    public async Task<TransactionResult> TransactAsync(Transaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var request = new TxnRequest();
        foreach (var compare in transaction.Compares)
        {
            RequireKey(compare.Key);
            request.Compare.Add(ToCompare(compare));
        }

        request.Success.AddRange(transaction.Success.Select(ToRequestOp));
        request.Failure.AddRange(transaction.Failure.Select(ToRequestOp));
        try
        {
            var response = await CallAsync("write", (m, o) => m.Kv.TxnAsync(request, o), cancellationToken).ConfigureAwait(false);
            return new TransactionResult(response.Succeeded, response.Header.Revision);
        }
        catch (ClusterStoreException e) when (e.InnerException is RpcException { StatusCode: StatusCode.NotFound } notFound)
        {
            // etcd's only NotFound for a Txn: "requested lease not found". The transaction did nothing.
            var leased = transaction.Success.Concat(transaction.Failure).Where(o => o.Lease != 0).ToList();
            var lease = leased.Count == 1 ? $"Lease {leased[0].Lease}" : $"One of the leases {string.Join(", ", leased.Select(o => o.Lease).Distinct())}";
            throw new ClusterStoreException(
                $"{lease} does not exist or has expired; {string.Join(", ", leased.Select(o => o.Key))} {(leased.Count == 1 ? "was" : "were")} not written.",
                notFound);
        }
    }

    public async Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        if (ttl <= TimeSpan.Zero)
        {
            throw new ClusterStoreException($"A lease needs a positive TTL, not {ttl}.");
        }

        // etcd counts TTLs in whole seconds and grants at least its minimum (1.5 x election timeout, 2 s by default).
        var seconds = (long)Math.Ceiling(ttl.TotalSeconds);
        var response = await CallAsync("grant a lease", (m, o) => m.Leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, o), cancellationToken)
            .ConfigureAwait(false);
        if (!string.IsNullOrEmpty(response.Error))
        {
            throw new ClusterStoreException($"etcd refused a lease of {seconds} s: {response.Error}");
        }

        return new LeaseGrant(response.ID, TimeSpan.FromSeconds(response.TTL));
    }

    public async Task<bool> KeepAliveAsync(long lease, CancellationToken cancellationToken = default)
    {
        var member = Current;
        try
        {
            // One request on etcd's keep-alive stream; a TTL of 0 in the answer: the lease is gone.
            using var call = member.Leases.LeaseKeepAlive(CallOptionsFor(cancellationToken, _options.RenewTimeout));
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                throw new ClusterStoreException($"etcd at {member.Address} ended a keep-alive of lease {lease} without an answer.");
            }

            return call.ResponseStream.Current.TTL > 0;
        }
        catch (RpcException e)
        {
            throw Failed(member, $"renew lease {lease}", e, cancellationToken, _options.RenewTimeout);
        }
    }

    public async Task RevokeLeaseAsync(long lease, CancellationToken cancellationToken = default)
    {
        try
        {
            await CallAsync($"revoke lease {lease}", (m, o) => m.Leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, o), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (ClusterStoreException e) when (e.InnerException is RpcException { StatusCode: StatusCode.NotFound })
        {
            // Gone already: expired, or revoked by someone else.
        }
    }

    /// <summary>etcd's leader expires leases by itself.</summary>
    public Task ExpireLeasesAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var (member, moved) = CurrentWithMove;
        // No deadline: a watch lives as long as its reader. HTTP/2 pings end it if the member stops answering, and it
        // ends at once when the store moves to another member (a renewal found this one cut off, say).
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, moved);
        using var call = member.Watches.Watch(new CallOptions(headers: s_requireLeader, cancellationToken: watching.Token));
        var create = new WatchCreateRequest { Key = PrefixStart(prefix), RangeEnd = PrefixEnd(prefix), StartRevision = fromRevision };
        try
        {
            await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, watching.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            throw WatchEnded(member, prefix, e, watching.Token, cancellationToken);
        }

        while (true)
        {
            var response = await NextAsync(call.ResponseStream, member, prefix, watching.Token, cancellationToken).ConfigureAwait(false);
            if (response.CompactRevision != 0)
            {
                throw new ClusterStoreException(
                    $"Revision {fromRevision} has been compacted: etcd at {member.Address} keeps history from revision {response.CompactRevision} on.");
            }

            if (response.Canceled)
            {
                throw new ClusterStoreException($"etcd at {member.Address} ended the watch of {Describe(prefix)}: {response.CancelReason}");
            }

            foreach (var change in response.Events)
            {
                yield return new WatchEvent(change.Type == Mvccpb.Event.Types.EventType.Put ? WatchEventKind.Put : WatchEventKind.Delete, ToKeyValue(change.Kv));
            }
        }
    }

    /// <summary>Discards history before <paramref name="revision"/>: watches from earlier revisions then fail as compacted.</summary>
    public async Task CompactAsync(long revision, CancellationToken cancellationToken = default) =>
        await CallAsync($"compact to revision {revision}", (m, o) => m.Kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, o), cancellationToken)
            .ConfigureAwait(false);

    public ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private EtcdMember Current => _members[Volatile.Read(ref _current) % _members.Length];

    /// <summary>The member in use, and a token cancelled when the store leaves it.</summary>
    private (EtcdMember Member, CancellationToken Moved) CurrentWithMove
    {
        get
        {
            lock (_moving)
            {
                return (_members[_current], _onCurrent.Token);
            }
        }
    }

    private async Task<T> CallAsync<T>(string what, Func<EtcdMember, CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        var member = Current;
        try
        {
            using var pending = call(member, CallOptionsFor(cancellationToken));
            return await pending.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Failed(member, what, e, cancellationToken);
        }
    }

    private CallOptions CallOptionsFor(CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        new(headers: s_requireLeader, deadline: DateTime.UtcNow + (timeout ?? _options.CallTimeout), cancellationToken: cancellationToken);

    private async Task<WatchResponse> NextAsync(
        IAsyncStreamReader<WatchResponse> responses, EtcdMember member, string prefix, CancellationToken watching, CancellationToken cancellationToken)
    {
        try
        {
            if (await responses.MoveNext(watching).ConfigureAwait(false))
            {
                return responses.Current;
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            throw WatchEnded(member, prefix, e, watching, cancellationToken);
        }

        throw new ClusterStoreException($"etcd at {member.Address} closed the watch of {Describe(prefix)}.");
    }

    /// <summary>Why a watch ended: its reader stopped it, the store moved to another member, or the member failed.</summary>
    private Exception WatchEnded(EtcdMember member, string prefix, Exception e, CancellationToken watching, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? new OperationCanceledException(cancellationToken)
        : watching.IsCancellationRequested ? new ClusterStoreException($"The watch of {Describe(prefix)} on etcd at {member.Address} ended: the store moved to {Current.Address}.", e)
        : e is RpcException failure ? Failed(member, $"watch {Describe(prefix)}", failure, cancellationToken)
        : new ClusterStoreException($"The watch of {Describe(prefix)} on etcd at {member.Address} ended: {e.Message}", e);

    /// <summary>The error to throw for a failed call; a member that did not answer is left for the next one.</summary>
    private Exception Failed(EtcdMember member, string what, RpcException e, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException(cancellationToken);
        }

        if (e.StatusCode is not (StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.OutOfRange))
        {
            MoveOn(member);
        }

        var detail = e.StatusCode == StatusCode.DeadlineExceeded ? $"no answer within {(timeout ?? _options.CallTimeout).TotalMilliseconds:0} ms" : e.Status.Detail;
        return new ClusterStoreException($"etcd at {member.Address} could not {what}: {detail}", e);
    }

    /// <summary>Leaves <paramref name="member"/> for the next one, unless another call left it already; its watches end.</summary>
    private void MoveOn(EtcdMember member)
    {
        if (_members.Length == 1)
        {
            return;
        }

        CancellationTokenSource left;
        lock (_moving)
        {
            if (_members[_current] != member)
            {
                return;
            }

            _current = (_current + 1) % _members.Length;
            left = _onCurrent;
            _onCurrent = new CancellationTokenSource();
        }

        left.Cancel(); // not disposed: a watch may be linking to its token at this moment
    }

    private static RequestOp ToRequestOp(StoreOperation operation)
    {
        if (operation.Kind != StoreOperationKind.DeletePrefix)
        {
            RequireKey(operation.Key); // an empty prefix is every key
        }

        return operation.Kind switch
        {
            StoreOperationKind.Put => new RequestOp
            {
                RequestPut = new PutRequest
                {
                    Key = Bytes(operation.Key),
                    Value = ByteString.CopyFrom(operation.Value ?? throw new ClusterStoreException($"Put of {operation.Key} has no value.")),
                    Lease = operation.Lease,
                },
            },
            StoreOperationKind.Delete => new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(operation.Key) } },
            _ => new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = PrefixStart(operation.Key), RangeEnd = PrefixEnd(operation.Key) } },
        };
    }

    private static Etcdserverpb.Compare ToCompare(Compare compare)
    {
        var result = new Etcdserverpb.Compare
        {
            Key = Bytes(compare.Key),
            Result = compare.Operator switch
            {
                CompareOperator.Equal => Etcdserverpb.Compare.Types.CompareResult.Equal,
                CompareOperator.NotEqual => Etcdserverpb.Compare.Types.CompareResult.NotEqual,
                CompareOperator.Greater => Etcdserverpb.Compare.Types.CompareResult.Greater,
                _ => Etcdserverpb.Compare.Types.CompareResult.Less,
            },
        };
        switch (compare.Target)
        {
            case CompareTarget.Version:
                result.Target = Etcdserverpb.Compare.Types.CompareTarget.Version;
                result.Version = compare.Number;
                break;
            case CompareTarget.CreateRevision:
                result.Target = Etcdserverpb.Compare.Types.CompareTarget.Create;
                result.CreateRevision = compare.Number;
                break;
            case CompareTarget.ModRevision:
                result.Target = Etcdserverpb.Compare.Types.CompareTarget.Mod;
                result.ModRevision = compare.Number;
                break;
            default:
                // etcd, like the embedded store, fails a value compare on a key that does not exist.
                result.Target = Etcdserverpb.Compare.Types.CompareTarget.Value;
                result.Value = ByteString.CopyFrom(compare.Value ?? []);
                break;
        }

        return result;
    }

    private static KeyValue ToKeyValue(Mvccpb.KeyValue kv) =>
        new(kv.Key.ToStringUtf8(), kv.Value.ToByteArray(), kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease);

    private static ByteString Bytes(string key) => ByteString.CopyFromUtf8(key);

    private static ByteString PrefixStart(string prefix) => prefix.Length == 0 ? s_allKeys : Bytes(prefix);

    /// <summary>etcd's range end for a prefix: the prefix with its last byte below 0xff raised by one.</summary>
    private static ByteString PrefixEnd(string prefix)
    {
        var end = Encoding.UTF8.GetBytes(prefix);
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return ByteString.CopyFrom(end, 0, i + 1);
            }
        }

        return s_allKeys; // empty, or all 0xff: to the end of the key space
    }

    private static string Describe(string prefix) => prefix.Length == 0 ? "every key" : $"keys under {prefix}";

    private static void RequireKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ClusterStoreException("A key must not be empty.");
        }
    }
}
