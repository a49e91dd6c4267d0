using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Grpc.Server;

/// <summary>
/// A gRPC server on Kestrel: HTTP/2 only (h2c), on TCP and/or Unix sockets. Services are bound from
/// their protoc descriptors with <see cref="AddService"/> before <see cref="StartAsync"/>.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly GrpcServerOptions _options;
    private readonly List<ServerMethod> _methods = [];
    private WebApplication? _app;

    public GrpcServer(GrpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>The endpoints actually bound (ephemeral ports resolved); empty until started.</summary>
    public IReadOnlyList<GrpcEndpoint> Endpoints { get; private set; } = [];

    /// <summary>Binds <paramref name="implementation"/>'s handlers to every rpc of <paramref name="service"/>.</summary>
    /// <exception cref="InvalidOperationException">A handler is missing, malformed or matches no rpc.</exception>
    public GrpcServer AddService(ServiceDescriptor service, object implementation)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("Services must be added before the server starts.");
        }

        var methods = ServiceBinder.Bind(service, implementation);
        var duplicate = methods.FirstOrDefault(m => _methods.Exists(existing => existing.Path == m.Path));
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Service {service.FullName} is already bound.");
        }

        _methods.AddRange(methods);
        return this;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The server has already started.");
        }

        var loggerFactory = _options.LoggerFactory ?? NullLoggerFactory.Instance;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddLogging();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
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

        var app = builder.Build();
        var dispatcher = new GrpcRequestDispatcher(_methods, _options, loggerFactory.CreateLogger<GrpcServer>());
        app.Run(dispatcher.DispatchAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        Endpoints = addresses.Addresses.Select(ToEndpoint).ToList();
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static GrpcEndpoint ToEndpoint(string address) =>
        address.StartsWith("http://unix:", StringComparison.Ordinal)
            ? GrpcEndpoint.Unix(address["http://unix:".Length..])
            : GrpcEndpoint.Parse(address);
}
