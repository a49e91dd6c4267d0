using Cluster.Protocol.Config.V1;

namespace Cluster.Service.Coordinator;

/// <summary>One decision of the coordinator: the group's new ownership, and why (with WSFC's event id where one exists).</summary>
internal sealed record PlacementDecision(string Group, Ownership Ownership, string Note, int? EventId = null);
