using Cluster.Protocol.Transport.Observability;
using Microsoft.Extensions.Logging;

namespace Cluster.Protocol.Transport;

public sealed class GrpcHostOptions
{
    /// <summary>Where to listen. Default: TCP loopback on an ephemeral port.</summary>
    public IList<GrpcEndpoint> Endpoints { get; } = [];

    /// <summary>
    /// When set, every call must carry "authorization: Bearer &lt;token&gt;" (the Health service
    /// excepted, as probes carry none); any other request, to a method that exists or not, is
    /// refused UNAUTHENTICATED before it is routed.
    /// </summary>
    public string? BearerToken { get; set; }

    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Names an exception that is not a <see cref="ClusterException"/> (a store's own failure, say) in
    /// the cluster's terms; null leaves it unexpected (status UNKNOWN).
    /// </summary>
    public Func<Exception, ClusterException?>? TranslateException { get; set; }

    /// <summary>Put the type and message of an unexpected handler exception into the status detail.</summary>
    public bool EnableDetailedErrors { get; set; } = true;

    /// <summary>Metadata keys whose values observers never see ("authorization" always is one).</summary>
    public ISet<string> SecretMetadataKeys { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a stop waits for calls in flight (streams included) before it cuts them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public GrpcCallObserver? Observer { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
