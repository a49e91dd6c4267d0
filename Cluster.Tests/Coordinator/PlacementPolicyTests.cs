using System.Collections.Immutable;
using Cluster.Protocol.Config.V1;
using Cluster.Service.Coordinator;
using Cluster.Service.Database;

namespace Cluster.Tests.Coordinator;

/// <summary>The coordinator's policy, driven directly: a cluster database built in memory, time as explicit instants.</summary>
[TestFixture]
public sealed class PlacementPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void New_group_goes_to_its_first_preferred_owner_that_is_up()
    {
        var cluster = Cluster(up: ["n1", "n3"]).WithGroup("web", preferred: ["n2", "n3"]);

        Assert.That(Decide(cluster).Single(), Is.EqualTo(("web", "n3")), "n2 is down, n3 is next");
    }

    [Test]
    public void Without_preferred_owners_groups_go_in_node_order()
    {
        var cluster = Cluster(up: ["n2", "n3"]).WithGroup("web");

        Assert.That(Decide(cluster).Single(), Is.EqualTo(("web", "n2")));
    }

    [Test]
    public void Owner_down_moves_the_group_to_the_next_node_after_it_and_counts_a_failover()
    {
        var cluster = Cluster(up: ["n1", "n3"], known: ["n1", "n2", "n3"]).WithGroup("web", owner: "n2");

        var decision = PlacementPolicy.Decide(cluster, T0).Single();

        Assert.That(decision.Ownership.Node, Is.EqualTo("n3"), "the next after n2, not the first");
        Assert.That(decision.Ownership.Epoch, Is.EqualTo(2));
        Assert.That(decision.Ownership.FailoversUnixMs, Is.EqualTo(new[] { T0.ToUnixTimeMilliseconds() }));
    }

    [Test]
    public void Owner_back_with_a_new_lease_holds_nothing_and_its_groups_are_placed_again()
    {
        var cluster = Cluster(up: ["n1", "n2"]).WithGroup("web", owner: "n1");
        cluster = cluster with
        {
            Owners = cluster.Owners.SetItem("web", new Ownership { Node = "n1", Epoch = 1, Lease = 7 }),
            Members = cluster.Members.SetItem("n1", new Member { Name = "n1", Lease = 9 }).SetItem("n2", new Member { Name = "n2", Lease = 8 }),
        };

        var decision = PlacementPolicy.Decide(cluster, T0).Single();

        Assert.That(cluster.OwnerHolds("web"), Is.False);
        Assert.That((decision.Ownership.Node, decision.Ownership.Lease), Is.EqualTo(("n2", 8L)), "the new owner's lease is recorded");
        Assert.That(decision.Note, Does.Contain("node n1 came back with a new lease"));
    }

    [Test]
    public void Paused_nodes_and_nodes_that_are_not_possible_owners_are_skipped()
    {
        var cluster = Cluster(up: ["n1", "n2", "n3", "n4"], paused: ["n2"])
            .WithGroup("web", owner: "n9", possibleOwners: ["n1", "n2", "n4"]);
        cluster = cluster with { Nodes = cluster.Nodes.Add("n9", new Node { Name = "n9" }) };

        Assert.That(Decide(cluster).Single(), Is.EqualTo(("web", "n1")));
        Assert.That(PlacementPolicy.Ineligibility(cluster, "web", "n3"), Is.EqualTo("node n3 is not a possible owner of resource web-app"));
        Assert.That(PlacementPolicy.Ineligibility(cluster, "web", "n2"), Is.EqualTo("node n2 is paused"));
    }

    [Test]
    public void Group_on_a_node_that_is_no_longer_a_possible_owner_moves_off_it()
    {
        var cluster = Cluster(up: ["n1", "n2", "n3"]).WithGroup("web", owner: "n1", possibleOwners: ["n3"]);

        Assert.That(PlacementPolicy.Decide(cluster, T0).Single().Ownership.MovingTo, Is.EqualTo("n3"));
    }

    [Test]
    public void Capacity_is_respected_and_higher_priority_groups_take_it_first()
    {
        var cluster = Cluster(up: ["n1", "n2"], maxGroups: new() { ["n1"] = 1 })
            .WithGroup("low", preferred: ["n1"], priority: 1000)
            .WithGroup("high", preferred: ["n1"], priority: 3000);

        Assert.That(Decide(cluster), Is.EquivalentTo(new[] { ("high", "n1"), ("low", "n2") }));
    }

    [Test]
    public void Capacity_counts_the_groups_a_node_runs_not_those_an_administrator_took_offline()
    {
        var cluster = Cluster(up: ["n1", "n2"], maxGroups: new() { ["n1"] = 1 })
            .WithGroup("parked", owner: "n1", online: false)
            .WithGroup("web", preferred: ["n1"]);

        Assert.That(Decide(cluster), Is.EqualTo(new[] { ("web", "n1") }));
        Assert.That(PlacementPolicy.Ineligibility(cluster.WithGroup("db", preferred: ["n1"]), "db", "n1"), Is.Null, "parked takes no place");
    }

    [Test]
    public void Named_capacities_take_each_groups_weight_and_a_full_node_takes_nothing_more()
    {
        // Exchange: a node runs at most four storage groups; EVS1 has two, EVS2 three, EVS3 one.
        var cluster = WithCapacity(Cluster(up: ["n1", "n2"]), "n1", "StorageGroups", 4)
            .WithGroup("EVS1", preferred: ["n1"], weights: new() { ["StorageGroups"] = 2 }, priority: 3000)
            .WithGroup("EVS2", preferred: ["n1"], weights: new() { ["StorageGroups"] = 3 }, priority: 2000)
            .WithGroup("EVS3", preferred: ["n1"], weights: new() { ["StorageGroups"] = 1 }, priority: 1000);

        Assert.That(Decide(cluster), Is.EquivalentTo(new[] { ("EVS1", "n1"), ("EVS2", "n2"), ("EVS3", "n1") }), "2 + 3 > 4; 2 + 1 fits");
        var placed = cluster.WithOwner("EVS1", "n1").WithOwner("EVS3", "n1");
        Assert.That(PlacementPolicy.Ineligibility(placed, "EVS2", "n1"), Is.EqualTo("node n1 has 1 of its 4 StorageGroups free, and group EVS2 needs 3"));
        Assert.That(PlacementPolicy.Ineligibility(placed, "EVS2", "n2"), Is.Null, "n2 names no such capacity: no limit there");
    }

    [Test]
    public void A_group_without_a_weight_of_a_quantity_takes_none_of_it_and_an_offline_one_takes_no_place()
    {
        var cluster = WithCapacity(Cluster(up: ["n1", "n2"]), "n1", "StorageGroups", 1)
            .WithGroup("parked", owner: "n1", online: false, weights: new() { ["StorageGroups"] = 1 })
            .WithGroup("EVS1", preferred: ["n1"], weights: new() { ["StorageGroups"] = 1 })
            .WithGroup("web", preferred: ["n1"]);

        Assert.That(Decide(cluster), Is.EquivalentTo(new[] { ("EVS1", "n1"), ("web", "n1") }));
    }

    [Test]
    public void A_group_its_owner_left_Failed_takes_no_capacity_but_an_old_mark_does_not_free_any()
    {
        var cluster = Cluster(up: ["n1", "n2"], maxGroups: new() { ["n1"] = 1 })
            .WithGroup("broken", owner: "n1")
            .WithGroup("web", preferred: ["n1"]);
        var failed = cluster with { FailedGroups = cluster.FailedGroups.Add("broken", new FailedGroup { Node = "n1", Epoch = 1 }) };
        var stale = cluster with { FailedGroups = cluster.FailedGroups.Add("broken", new FailedGroup { Node = "n1", Epoch = 0 }) };

        Assert.That(Decide(failed), Is.EqualTo(new[] { ("web", "n1") }));
        Assert.That(Decide(stale), Is.EqualTo(new[] { ("web", "n2") }), "a mark of an earlier ownership");
        Assert.That(Decide(cluster), Is.EqualTo(new[] { ("web", "n2") }));
    }

    [Test]
    public void Capacity_still_holds_against_groups_that_run()
    {
        var cluster = Cluster(up: ["n1", "n2"], maxGroups: new() { ["n1"] = 1 })
            .WithGroup("running", owner: "n1")
            .WithGroup("web", preferred: ["n1"]);

        Assert.That(Decide(cluster), Is.EqualTo(new[] { ("web", "n2") }));
    }

    [Test]
    public void Failover_threshold_exhausted_leaves_the_group_failed_with_event_1254()
    {
        var owned = new Ownership { Node = "n1", Epoch = 4, FailoversUnixMs = { (T0 - TimeSpan.FromHours(1)).ToUnixTimeMilliseconds() } };
        var cluster = Cluster(up: ["n2", "n3"], known: ["n1", "n2", "n3"]).WithGroup("web", failoverThreshold: 1) with
        {
            Owners = ImmutableSortedDictionary.Create<string, Ownership>(StringComparer.Ordinal).Add("web", owned),
        };

        var decision = PlacementPolicy.Decide(cluster, T0).Single();

        Assert.That(decision.EventId, Is.EqualTo(1254));
        Assert.That(decision.Ownership.Node, Is.Empty, "nowhere: it stays Failed");
        var later = cluster with { Owners = cluster.Owners.SetItem("web", decision.Ownership) };
        Assert.That(PlacementPolicy.Decide(later, T0 + TimeSpan.FromMinutes(1)), Is.Empty, "and stays so");
        Assert.That(Decide(later, T0 + TimeSpan.FromHours(6)), Is.EqualTo(new[] { ("web", "n2") }), "once the failovers are older than FailoverPeriod");
    }

    [Test]
    public void Restart_threshold_failover_request_moves_the_group_or_leaves_it_failed_where_there_is_nowhere_to_go()
    {
        var cluster = Cluster(up: ["n1", "n2"]).WithGroup("web", owner: "n1");
        var asked = cluster with
        {
            FailoverRequests = cluster.FailoverRequests.Add("web", new FailoverRequest { Node = "n1", Epoch = 1, Reason = "app failed" }),
        };

        Assert.That(Decide(asked).Single(), Is.EqualTo(("web", "n2")));
        var alone = asked with { Members = asked.Members.Remove("n2") };
        var stays = PlacementPolicy.Decide(alone, T0).Single();
        Assert.That((stays.Ownership.Node, stays.EventId), Is.EqualTo(("n1", (int?)1205)));
    }

    [Test]
    public void Stale_failover_request_of_an_earlier_epoch_is_ignored()
    {
        var cluster = Cluster(up: ["n1", "n2"]).WithGroup("web", owner: "n1");
        var stale = cluster with { FailoverRequests = cluster.FailoverRequests.Add("web", new FailoverRequest { Node = "n1", Epoch = 0 }) };

        Assert.That(PlacementPolicy.Decide(stale, T0), Is.Empty);
    }

    [Test]
    public void Failover_requests_are_settled_when_decided_or_stale_and_kept_while_unanswered()
    {
        var cluster = Cluster(up: ["n1", "n2"]).WithGroup("web", owner: "n1").WithGroup("db", owner: "n1").WithGroup("mail", owner: "n2");
        var asked = cluster with
        {
            FailoverRequests = cluster.FailoverRequests
                .Add("web", new FailoverRequest { Node = "n1", Epoch = 1 })     // answered by this round's decision
                .Add("db", new FailoverRequest { Node = "n1", Epoch = 0 })      // about an ownership that is over
                .Add("mail", new FailoverRequest { Node = "n2", Epoch = 1 })    // current, and no decision this round
                .Add("gone", new FailoverRequest { Node = "n1", Epoch = 3 }),   // its group was deleted
        };
        var decisions = PlacementPolicy.Decide(asked, T0).Where(d => d.Group == "web").ToList();

        Assert.That(PlacementPolicy.SettledFailoverRequests(asked, decisions), Is.EquivalentTo(new[] { "web", "db", "gone" }));
    }

    [Test]
    public void Hand_over_gives_the_target_the_next_epoch_its_own_lease_and_the_failover_history()
    {
        var cluster = Cluster(up: ["n1", "n2"]).WithGroup("web", owner: "n1");
        cluster = cluster with { Members = cluster.Members.SetItem("n2", new Member { Name = "n2", Lease = 42 }) };
        var moving = new Ownership { Node = "n1", Epoch = 7, MovingTo = "n2", Lease = 5 };
        moving.FailoversUnixMs.Add(1000);

        var next = OwnershipEdits.HandOver(cluster, moving, "n1");

        Assert.That((next.Node, next.Epoch, next.Lease, next.Reason, next.MovingTo), Is.EqualTo(("n2", 8UL, 42L, "moved from n1", "")));
        Assert.That(next.FailoversUnixMs, Is.EqualTo(new[] { 1000L }));
    }

    [TestCase(-1, -1, 12, true)]
    [TestCase(10, 14, 12, true)]
    [TestCase(13, 14, 12, false)]
    [TestCase(22, 6, 23, true)]
    [TestCase(22, 6, 12, false)]
    public void Failback_happens_only_inside_the_window(int start, int end, int hour, bool expected)
    {
        var cluster = Cluster(up: ["n1", "n2"]).WithGroup("web", owner: "n2", preferred: ["n1"], failback: (start, end));
        var now = new DateTimeOffset(2026, 11, 22, hour, 30, 0, TimeSpan.Zero);

        var decisions = PlacementPolicy.Decide(cluster, now);

        Assert.That(decisions.Select(d => d.Ownership.MovingTo), expected ? Is.EqualTo(new[] { "n1" }) : Is.Empty);
    }

    [Test]
    public void No_failback_without_AutoFailbackType_1()
    {
        var cluster = Cluster(up: ["n1", "n2"]).WithGroup("web", owner: "n2", preferred: ["n1"]);

        Assert.That(PlacementPolicy.Decide(cluster, T0), Is.Empty);
    }

    [Test]
    public void Default_failover_threshold_is_the_number_of_nodes_less_one()
    {
        var cluster = Cluster(up: ["n1", "n2", "n3"]).WithGroup("web");

        Assert.That(PlacementPolicy.FailoverThreshold(cluster, cluster.Groups["web"]), Is.EqualTo(2));
    }

    [Test]
    public void Drain_moves_groups_to_the_next_node_and_resume_with_failback_brings_them_back()
    {
        var cluster = Cluster(up: ["n1", "n2", "n3"]).WithGroup("web", owner: "n1");

        var drained = OwnershipEdits.Pause(cluster, "n1", drain: true);
        Assert.That(drained.Owners["web"].MovingTo, Is.EqualTo("n2"));
        Assert.That(drained.Nodes["n1"].DrainedGroups, Is.EqualTo(new[] { "web" }));

        var moved = drained with { Owners = drained.Owners.SetItem("web", new Ownership { Node = "n2", Epoch = 3 }) };
        var resumed = OwnershipEdits.Resume(moved, "n1", failback: true);
        Assert.That(resumed.Owners["web"].MovingTo, Is.EqualTo("n1"));
        Assert.That(resumed.Nodes["n1"].Paused, Is.False);
    }

    [Test]
    public void Planned_move_to_a_node_that_cannot_host_the_group_names_the_reason()
    {
        var cluster = Cluster(up: ["n1", "n2"], paused: ["n2"]).WithGroup("web", owner: "n1");

        var error = Assert.Throws<Cluster.Protocol.ClusterException>(() => OwnershipEdits.Move(cluster, "web", "n2"));

        Assert.That(error.Message, Is.EqualTo("Group web cannot move to node n2: node n2 is paused."));
    }

    private static List<(string Group, string Node)> Decide(ClusterConfiguration cluster, DateTimeOffset? now = null) =>
        [.. PlacementPolicy.Decide(cluster, now ?? T0).Select(d => (d.Group, d.Ownership.Node))];

    private static ClusterConfiguration WithCapacity(ClusterConfiguration cluster, string node, string quantity, uint capacity)
    {
        var info = cluster.Nodes[node].Clone();
        info.Capacities[quantity] = capacity;
        return cluster with { Nodes = cluster.Nodes.SetItem(node, info) };
    }

    private static ClusterConfiguration Cluster(string[] up, string[]? known = null, string[]? paused = null, Dictionary<string, uint>? maxGroups = null)
    {
        var names = (known ?? up).Union(up).Order(StringComparer.Ordinal);
        return ClusterConfiguration.Empty with
        {
            Nodes = names.ToImmutableSortedDictionary(
                n => n,
                n => new Node { Name = n, Paused = paused?.Contains(n) == true, MaxGroups = maxGroups?.GetValueOrDefault(n) ?? 0 },
                StringComparer.Ordinal),
            Members = up.ToImmutableSortedDictionary(n => n, n => new Member { Name = n }, StringComparer.Ordinal),
        };
    }
}

/// <summary>Builds groups into an in-memory configuration for the policy tests.</summary>
internal static class ClusterConfigurationBuilder
{
    public static ClusterConfiguration WithGroup(
        this ClusterConfiguration cluster, string name, string? owner = null, string[]? preferred = null, string[]? possibleOwners = null,
        int? priority = null, uint? failoverThreshold = null, (int Start, int End)? failback = null, bool online = true,
        Dictionary<string, uint>? weights = null)
    {
        var group = new Group { Name = name, Weights = { weights ?? [] } };
        group.PreferredOwners.AddRange(preferred ?? []);
        if (priority is { } p)
        {
            group.Priority = p;
        }

        if (failoverThreshold is { } t)
        {
            group.FailoverThreshold = t;
        }

        if (failback is { } window)
        {
            group.AutoFailbackType = 1;
            group.FailbackWindowStart = window.Start;
            group.FailbackWindowEnd = window.End;
        }

        var resource = new Resource { Name = name + "-app", Group = name, Type = "GenericApplication" };
        resource.PossibleOwners.AddRange(possibleOwners ?? []);
        var next = cluster with
        {
            Groups = cluster.Groups.Add(name, group),
            Resources = cluster.Resources.Add(resource.Name, resource),
            PersistentOnline = cluster.PersistentOnline.SetItem(resource.Name, online),
        };
        return owner is null ? next : next.WithOwner(name, owner);
    }

    public static ClusterConfiguration WithOwner(this ClusterConfiguration cluster, string group, string owner) =>
        cluster with { Owners = cluster.Owners.SetItem(group, new Ownership { Node = owner, Epoch = 1 }) };
}
