namespace Cluster.Grpc.Client;

/// <summary>Per-call settings.</summary>
/// <param name="Timeout">How long the caller waits; sent as grpc-timeout so the server gives up too.</param>
/// <param name="Headers">Metadata to send.</param>
/// <param name="CancellationToken">Cancels the call on both ends.</param>
public readonly record struct CallOptions(
    TimeSpan? Timeout = null, Metadata? Headers = null, CancellationToken CancellationToken = default);
