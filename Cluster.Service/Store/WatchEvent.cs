namespace Cluster.Service.Store;

internal enum WatchEventKind
{
    Put,
    Delete,
}

/// <summary>One change to one key, at a revision. For a delete, the value is empty and Version 0.</summary>
internal sealed record WatchEvent(WatchEventKind Kind, KeyValue KeyValue)
{
    public long Revision => KeyValue.ModRevision;
}
