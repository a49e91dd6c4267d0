using Cluster.Protocol.Transport;
using Cluster.Tests.Interop.V1;

namespace Cluster.Tests.Support;

/// <summary>A <see cref="GrpcHost"/> serving <see cref="InteropService"/> on TCP loopback or a Unix socket.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string Token = "test-token";

    private TestServer(GrpcHost host, InteropService service)
    {
        Host = host;
        Service = service;
    }

    public GrpcHost Host { get; }

    public InteropService Service { get; }

    public GrpcEndpoint Endpoint => Host.Endpoints[0];

    public static async Task<TestServer> StartAsync(string transport = "tcp", Action<GrpcHostOptions>? configure = null)
    {
        var options = new GrpcHostOptions { BearerToken = Token };
        options.Endpoints.Add(transport == "unix"
            ? GrpcEndpoint.Unix(Path.Combine(Path.GetTempPath(), $"cluster-test-{Guid.NewGuid():N}.sock"))
            : GrpcEndpoint.Loopback());
        configure?.Invoke(options);
        var host = new GrpcHost(options);
        var service = new InteropService();
        host.AddService(Interop.V1.Interop.Descriptor, service);
        await host.StartAsync();
        return new TestServer(host, service);
    }

    public GrpcConnection Connect(Action<GrpcConnectionOptions>? configure = null, string? token = Token)
    {
        var options = new GrpcConnectionOptions { BearerToken = token };
        configure?.Invoke(options);
        return GrpcConnection.Open(Endpoint, options);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
