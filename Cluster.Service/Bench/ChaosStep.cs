namespace Cluster.Service.Bench;

/// <summary>One step of a fault campaign: what it did ("node kill n1", "recovery: node start n1") and when it struck.</summary>
internal sealed record ChaosStep(DateTime At, string What);
