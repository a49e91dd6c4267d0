namespace Cluster.Service.Rcm;

internal enum GroupState
{
    Offline,
    Online,
    PartialOnline,
    Pending,
    Failed,
}
