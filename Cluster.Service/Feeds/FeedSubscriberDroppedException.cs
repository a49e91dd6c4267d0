namespace Cluster.Service.Feeds;

/// <summary>A live subscriber of a node's feed (trace or events) fell too far behind: the node dropped it rather than wait for it.</summary>
internal sealed class FeedSubscriberDroppedException : Exception
{
    public FeedSubscriberDroppedException()
        : this("The feed subscriber was dropped.")
    {
    }

    public FeedSubscriberDroppedException(string message)
        : base(message)
    {
    }

    public FeedSubscriberDroppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
