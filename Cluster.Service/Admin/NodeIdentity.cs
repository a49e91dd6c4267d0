namespace Cluster.Service.Admin;

/// <summary>Who a node is, as its admin API reports it.</summary>
internal sealed record NodeIdentity(string Name, string Endpoint, string Version, DateTimeOffset Started);
