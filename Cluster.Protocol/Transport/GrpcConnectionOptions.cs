using Cluster.Protocol.Transport.Observability;
using Microsoft.Extensions.Logging;

namespace Cluster.Protocol.Transport;

public sealed class GrpcConnectionOptions
{
    /// <summary>The header that names the caller to the server's traces ("cli", "n1").</summary>
    public const string CallerHeader = "cluster-caller";

    /// <summary>Sent on every call as "authorization: Bearer &lt;token&gt;".</summary>
    public string? BearerToken { get; set; }

    /// <summary>Sent on every call as "cluster-caller", so that the server's trace names its caller.</summary>
    public string? CallerName { get; set; }

    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long to wait for a connection before the call fails UNAVAILABLE.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Metadata keys whose values observers never see ("authorization" always is one).</summary>
    public ISet<string> SecretMetadataKeys { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public GrpcCallObserver? Observer { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
