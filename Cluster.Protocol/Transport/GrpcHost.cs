using Cluster.Protocol.Transport.Observability;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Cluster.Protocol.Transport;

/// <summary>
/// One process's gRPC endpoint on grpc-dotnet: Kestrel HTTP/2 only (h2c) on TCP and/or Unix sockets,
/// the services added with <see cref="AddService"/>, and on every endpoint gRPC server reflection and
/// the standard grpc.health.v1 Health service with a status per service. Authentication runs before
/// routing (<see cref="BearerTokenMiddleware"/>); the call observer and the mapping of cluster errors
/// to statuses are interceptors.
/// </summary>
public sealed class GrpcHost : IAsyncDisposable
{
    private readonly GrpcHostOptions _options;
    private readonly List<(string Name, Action<IServiceCollection> Register, Action<IEndpointRouteBuilder> Map)> _services = [];
    private WebApplication? _app;

    public GrpcHost(GrpcHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>The endpoints actually bound (ephemeral ports resolved); empty until started.</summary>
    public IReadOnlyList<GrpcEndpoint> Endpoints { get; private set; } = [];

    /// <summary>The standard Health service's state: "" is the whole process, each service by its full name.</summary>
    public HealthServiceImpl Health { get; } = new();

    /// <summary>Serves <paramref name="implementation"/> (a subclass of the generated service base) as <paramref name="service"/>.</summary>
    public GrpcHost AddService<TService>(ServiceDescriptor service, TService implementation)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(implementation);
        if (_app is not null)
        {
            throw new InvalidOperationException("Services must be added before the host starts.");
        }

        if (_services.Exists(s => s.Name == service.FullName))
        {
            throw new InvalidOperationException($"Service {service.FullName} is already added.");
        }

        _services.Add((service.FullName, s => s.AddSingleton(implementation), e => e.MapGrpcService<TService>()));
        return this;
    }

    /// <summary>Says through the Health service whether <paramref name="service"/> can serve now.</summary>
    public void SetServing(string service, bool serving) => Health.SetStatus(
        service, serving ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing);

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The host has already started.");
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(_options.LoggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddLogging();
        // Long-lived streams (event watches) would hold a graceful stop for the default 30 s; their
        // callers subscribe again, so they are cut after a short grace instead.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = _options.ShutdownTimeout);
        builder.Services.AddSingleton<IHostLifetime, ProcessOwnedLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var endpoints = _options.Endpoints.Count == 0 ? [GrpcEndpoint.Loopback()] : _options.Endpoints;
            foreach (var endpoint in endpoints)
            {
                if (endpoint.IsUnixSocket)
                {
                    File.Delete(endpoint.UnixPath!);
                    kestrel.ListenUnixSocket(endpoint.UnixPath!, listen => listen.Protocols = HttpProtocols.Http2);
                }
                else
                {
                    kestrel.Listen(
                        System.Net.IPAddress.Parse(endpoint.Host == "localhost" ? "127.0.0.1" : endpoint.Host!),
                        endpoint.Port,
                        listen => listen.Protocols = HttpProtocols.Http2);
                }
            }
        });

        builder.Services.AddRouting();
        builder.Services.AddSingleton(_options);
        builder.Services.AddSingleton<ClusterErrorServerInterceptor>();
        if (_options.Observer is not null)
        {
            builder.Services.AddSingleton<ObservingServerInterceptor>();
        }

        builder.Services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = _options.EnableDetailedErrors;
            grpc.MaxReceiveMessageSize = _options.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = _options.MaxSendMessageSize;
            if (_options.Observer is not null)
            {
                grpc.Interceptors.Add<ObservingServerInterceptor>(); // outermost: it sees the status that goes on the wire
            }

            grpc.Interceptors.Add<ClusterErrorServerInterceptor>();
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton(Health);
        foreach (var service in _services)
        {
            service.Register(builder.Services);
        }

        var app = builder.Build();
        if (_options.BearerToken is { } token)
        {
            app.UseMiddleware<BearerTokenMiddleware>(token);
        }

        foreach (var service in _services)
        {
            service.Map(app);
        }

        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcReflectionService();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        Endpoints = addresses.Addresses.Select(ToEndpoint).ToList();
        SetAllServing(serving: true);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app)
        {
            SetAllServing(serving: false);
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            SetAllServing(serving: false);
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void SetAllServing(bool serving)
    {
        SetServing(string.Empty, serving);
        foreach (var service in _services)
        {
            SetServing(service.Name, serving);
        }
    }

    private static GrpcEndpoint ToEndpoint(string address) =>
        address.StartsWith("http://unix:", StringComparison.Ordinal)
            ? GrpcEndpoint.Unix(address["http://unix:".Length..])
            : GrpcEndpoint.Parse(address);
}
