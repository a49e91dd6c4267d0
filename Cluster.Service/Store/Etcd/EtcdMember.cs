using Etcdserverpb;
using Grpc.Net.Client;

namespace Cluster.Service.Store.Etcd;

/// <summary>One etcd member: a channel to it and etcd's clients on that channel.</summary>
internal sealed class EtcdMember : IDisposable
{
    private readonly GrpcChannel _channel;

    private EtcdMember(Uri address, GrpcChannel channel)
    {
        Address = address;
        _channel = channel;
        Kv = new KV.KVClient(channel);
        Leases = new Lease.LeaseClient(channel);
        Watches = new Watch.WatchClient(channel);
    }

    public Uri Address { get; }

    public KV.KVClient Kv { get; }

    public Lease.LeaseClient Leases { get; }

    public Watch.WatchClient Watches { get; }

    public static EtcdMember Create(Uri address, EtcdStoreOptions options) =>
        new(address, GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = options.ConnectTimeout,
                KeepAlivePingDelay = options.KeepAlivePingDelay,
                KeepAlivePingTimeout = options.KeepAlivePingDelay,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                EnableMultipleHttp2Connections = true,
            },
            MaxReceiveMessageSize = 64 * 1024 * 1024, // a range of the whole configuration of a large cluster
            DisposeHttpClient = true,
        }));

    public void Dispose() => _channel.Dispose();
}
