using Google.Protobuf;
using Grpc.Core;

namespace Cluster.Protocol.Transport.Observability;

/// <summary>
/// The one hook, on clients and servers alike, that sees every call: its start, each request and
/// response message, and its end with status and duration. The traffic inspector hangs off it.
/// Methods are called on the call's own path, so they must be quick and must not throw.
/// </summary>
public abstract class GrpcCallObserver
{
    public virtual void OnCallStarted(GrpcCallInfo call)
    {
    }

    public virtual void OnRequest(GrpcCallInfo call, IMessage message)
    {
    }

    public virtual void OnResponse(GrpcCallInfo call, IMessage message)
    {
    }

    public virtual void OnCallCompleted(GrpcCallInfo call, Status status, TimeSpan duration)
    {
    }
}
