using Cluster.Grpc;
using Cluster.Grpc.Client;
using Cluster.Grpc.Server;
using Cluster.Tests.Interop.V1;

namespace Cluster.Tests.Support;

/// <summary>Our gRPC server hosting <see cref="InteropService"/> on TCP loopback or a Unix socket.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string Token = "test-token";

    private TestServer(GrpcServer server, InteropService service)
    {
        Server = server;
        Service = service;
    }

    public GrpcServer Server { get; }

    public InteropService Service { get; }

    public GrpcEndpoint Endpoint => Server.Endpoints[0];

    public static async Task<TestServer> StartAsync(string transport = "tcp", Action<GrpcServerOptions>? configure = null)
    {
        var options = new GrpcServerOptions { BearerToken = Token, EnableDetailedErrors = true };
        options.Endpoints.Add(transport == "unix"
            ? GrpcEndpoint.Unix(Path.Combine(Path.GetTempPath(), $"cluster-test-{Guid.NewGuid():N}.sock"))
            : GrpcEndpoint.Loopback());
        configure?.Invoke(options);
        var server = new GrpcServer(options);
        var service = new InteropService();
        server.AddService(InteropReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.ServiceDescriptor>("Interop"), service);
        await server.StartAsync();
        return new TestServer(server, service);
    }

    public GrpcChannel Connect(Action<GrpcChannelOptions>? configure = null, string? token = Token)
    {
        var options = new GrpcChannelOptions { BearerToken = token };
        configure?.Invoke(options);
        return GrpcChannel.Create(Endpoint, options);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
