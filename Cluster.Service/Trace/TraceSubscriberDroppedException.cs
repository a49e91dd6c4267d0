namespace Cluster.Service.Trace;

/// <summary>A live trace subscriber fell too far behind: the node dropped it rather than wait for it.</summary>
internal sealed class TraceSubscriberDroppedException : Exception
{
    public TraceSubscriberDroppedException()
        : this("The trace subscriber was dropped.")
    {
    }

    public TraceSubscriberDroppedException(string message)
        : base(message)
    {
    }

    public TraceSubscriberDroppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
