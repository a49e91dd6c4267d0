using Cluster.Protocol.Config.V1;
using Cluster.Protocol.Rhs.V1;
using Cluster.Service.Database;

namespace Cluster.Tests.Database;

/// <summary>What `show` says is in force: the defaults the RCM, the monitors and the coordinator apply.</summary>
public class PropertySheetTests
{
    private static Dictionary<string, (string Value, bool IsDefault)> Sheet(IEnumerable<Protocol.Admin.V1.PropertyValue> rows) =>
        rows.ToDictionary(r => r.Name, r => (r.Value, r.IsDefault));

    [Test]
    public void Resource_shows_what_is_set_and_the_defaults_in_force()
    {
        var resource = new Resource { Name = "web", Group = "web", Type = "GenericApplication", RestartThreshold = 0, IsAlivePollIntervalMs = 5000 };
        resource.DependsOn.Add("ip");
        var type = new ResourceTypeInfo { Name = "GenericApplication", LooksAlivePollIntervalMs = 5000, IsAlivePollIntervalMs = 60000 };

        var sheet = Sheet(PropertySheet.Of(resource, type, TimeSpan.FromSeconds(1)));

        Assert.Multiple(() =>
        {
            Assert.That(sheet["RestartThreshold"], Is.EqualTo(("0", false)), "zero is a setting, not the default");
            Assert.That(sheet["IsAlivePollInterval"], Is.EqualTo(("5000 ms", false)));
            Assert.That(sheet["LooksAlivePollInterval"], Is.EqualTo(("5000 ms (the type's)", true)));
            Assert.That(sheet["DeadlockTimeout"], Is.EqualTo(("1000 ms (the node's)", true)));
            Assert.That(sheet["PendingTimeout"], Is.EqualTo(("180000 ms", true)));
            Assert.That(sheet["RestartAction"], Is.EqualTo(("2 (RestartThenFailover)", true)));
            Assert.That(sheet["RestartDelay"], Is.EqualTo(("500 ms", true)));
            Assert.That(sheet["RetryPeriodOnFailure"], Is.EqualTo(("3600000 ms", true)));
            Assert.That(sheet["DependsOn"], Is.EqualTo(("ip", false)));
            Assert.That(sheet["PossibleOwners"], Is.EqualTo(("all nodes", true)));
        });
    }

    [Test]
    public void Resource_whose_type_does_not_load_says_so_for_its_poll_intervals()
    {
        var sheet = Sheet(PropertySheet.Of(new Resource { Name = "x", Type = "Gone", RetryPeriodOnFailureMs = -1 }, type: null, TimeSpan.FromMinutes(5)));

        Assert.That(sheet["LooksAlivePollInterval"], Is.EqualTo(("the type's default (the type does not load here)", true)));
        Assert.That(sheet["RetryPeriodOnFailure"], Is.EqualTo(("-1 (never)", false)));
    }

    [Test]
    public void Group_shows_the_failover_threshold_as_nodes_less_one_unless_set()
    {
        var defaults = Sheet(PropertySheet.Of(new Group { Name = "web" }, nodeCount: 3));
        var set = Sheet(PropertySheet.Of(new Group { Name = "web", FailoverThreshold = 0, Priority = 3000 }, nodeCount: 3));

        Assert.Multiple(() =>
        {
            Assert.That(defaults["FailoverThreshold"], Is.EqualTo(("2 (nodes - 1)", true)));
            Assert.That(defaults["FailoverPeriod"], Is.EqualTo(("6 h", true)));
            Assert.That(defaults["Priority"], Is.EqualTo(("2000", true)));
            Assert.That(set["FailoverThreshold"], Is.EqualTo(("0", false)));
            Assert.That(set["Priority"], Is.EqualTo(("3000", false)));
        });
    }

    [Test]
    public void Node_shows_no_limit_by_default() =>
        Assert.That(Sheet(PropertySheet.Of(new Node { Name = "n1" }))["MaxGroups"], Is.EqualTo(("0 (no limit)", true)));
}
