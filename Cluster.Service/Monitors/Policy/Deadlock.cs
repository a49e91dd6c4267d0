namespace Cluster.Service.Monitors.Policy;

/// <summary>The verdict on a call that missed its resource's DeadlockTimeout: which resource, in which entry point.</summary>
internal sealed record Deadlock(string Resource, string EntryPoint);
