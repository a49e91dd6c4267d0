namespace Cluster.Protocol.Transport.Observability;

/// <summary>Which end of a call an observer sees it from.</summary>
public enum CallSide
{
    Client,
    Server,
}
