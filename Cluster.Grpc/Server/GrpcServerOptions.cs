using Cluster.Grpc.Observability;
using Microsoft.Extensions.Logging;

namespace Cluster.Grpc.Server;

public sealed class GrpcServerOptions
{
    /// <summary>Where to listen. Default: TCP loopback on an ephemeral port.</summary>
    public IList<GrpcEndpoint> Endpoints { get; } = [];

    /// <summary>When set, every call must carry "authorization: Bearer &lt;token&gt;"; others end UNAUTHENTICATED.</summary>
    public string? BearerToken { get; set; }

    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Turns an exception a handler throws into a status (return null for the default: UNKNOWN), so that
    /// a service can map its own failure types in one place, as an interceptor would.
    /// </summary>
    public Func<Exception, Status?>? ExceptionStatus { get; set; }

    /// <summary>Put the type and message of an unexpected handler exception into the status detail.</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Metadata keys whose values observers never see ("authorization" always is one).</summary>
    public ISet<string> SecretMetadataKeys { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public GrpcCallObserver? Observer { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
