using Cluster.Protocol.Config.V1;
using Cluster.Protocol;
using Cluster.Service.Database;
using Cluster.Service.Store;

namespace Cluster.Tests.Database;

/// <summary>The cluster database over the in-memory store: edits, whole validation, nothing written on refusal.</summary>
[TestFixture]
public sealed class ClusterDatabaseTests
{
    private IClusterStore _store = null!;
    private ClusterDatabase _database = null!;

    [SetUp]
    public async Task CreateDatabase() => (_store, _database) = await TestDatabase.CreateAsync();

    [TearDown]
    public async Task DisposeStore() => await _store.DisposeAsync();

    [Test]
    public async Task Group_and_resources_are_stored_and_read_back()
    {
        await CreateWebAsync();

        var read = await _database.ReadAsync();

        Assert.That(read.Groups.Keys, Is.EqualTo(new[] { "web" }));
        Assert.That(read.ResourcesOf("web").Select(r => r.Name), Is.EqualTo(new[] { "disk", "server" }));
        Assert.That(read.GetResource("server").DependsOn, Is.EqualTo(new[] { "disk" }));
        Assert.That(read.IsPersistedOnline("server"), Is.False, "a new resource is Offline, as in WSFC");
    }

    [Test]
    public async Task Online_of_a_resource_takes_its_dependencies_and_offline_its_dependants()
    {
        await CreateWebAsync();

        await _database.UpdateAsync(c => ConfigurationEdits.SetPersistentState(c, null, "server", online: true));
        var online = await _database.ReadAsync();
        await _database.UpdateAsync(c => ConfigurationEdits.SetPersistentState(c, null, "disk", online: false));
        var offline = await _database.ReadAsync();

        Assert.That(online.PersistentOnline, Is.EquivalentTo(new Dictionary<string, bool> { ["disk"] = true, ["server"] = true }));
        Assert.That(offline.PersistentOnline, Is.EquivalentTo(new Dictionary<string, bool> { ["disk"] = false, ["server"] = false }));
    }

    [Test]
    public async Task A_setting_to_zero_and_back_to_the_default_is_stored_and_reported_each_time()
    {
        await CreateWebAsync();

        var toZero = await ChangesAsync(c => ConfigurationEdits.SetResource(c, "disk", Settings(("RestartThreshold", "0"))));
        var zero = (await _database.ReadAsync()).GetResource("disk");
        var toDefault = await ChangesAsync(c => ConfigurationEdits.SetResource(c, "disk", Settings(("RestartThreshold", ""))));
        var cleared = (await _database.ReadAsync()).GetResource("disk");
        var again = await ChangesAsync(c => ConfigurationEdits.SetResource(c, "disk", Settings(("RestartThreshold", ""))));

        Assert.That(toZero, Is.EqualTo(new[] { "updated resource disk" }));
        Assert.That((zero.HasRestartThreshold, zero.RestartThreshold), Is.EqualTo((true, 0u)), "0 is a value: never restart");
        Assert.That(toDefault, Is.EqualTo(new[] { "updated resource disk" }));
        Assert.That(cleared.HasRestartThreshold, Is.False, "back to the default (3)");
        Assert.That(again, Is.Empty, "and that is no change");
    }

    [Test]
    public async Task Node_capacity_changes_are_reported()
    {
        await CreateWebAsync();
        await _database.UpdateAsync(c => c with { Nodes = c.Nodes.SetItem("n2", new Node { Name = "n2" }) });

        Assert.That(await ChangesAsync(c => OwnershipEdits.SetNode(c, "n2", Settings(("MaxGroups", "2")))), Is.EqualTo(new[] { "node n2: MaxGroups 2" }));
        Assert.That(await ChangesAsync(c => OwnershipEdits.SetNode(c, "n2", Settings(("MaxGroups", "2")))), Is.Empty);
        Assert.That(await ChangesAsync(c => OwnershipEdits.SetNode(c, "n2", Settings(("MaxGroups", "")))), Is.EqualTo(new[] { "node n2: MaxGroups no limit" }));
        Assert.That(await ChangesAsync(c => OwnershipEdits.SetNode(c, "n2", Settings(("Capacity.StorageGroups", "4")))), Is.EqualTo(new[] { "node n2: Capacity.StorageGroups 4" }));
        Assert.That(await ChangesAsync(c => OwnershipEdits.SetNode(c, "n2", Settings(("Capacity.StorageGroups", "4")))), Is.Empty);
        Assert.That(await ChangesAsync(c => OwnershipEdits.SetNode(c, "n2", Settings(("Capacity.StorageGroups", "")))), Is.EqualTo(new[] { "node n2: Capacity.StorageGroups no limit" }));
        var error = Assert.ThrowsAsync<ClusterException>(async () => await ChangesAsync(c => OwnershipEdits.SetNode(c, "n2", Settings(("Capacity.StorageGroups", "-1")))));
        Assert.That(error!.Message, Is.EqualTo("Property Capacity.StorageGroups must be a whole number from 0 to 4294967295, not '-1'."));
    }

    /// <summary>Applies an edit and answers what the administrator is told changed.</summary>
    private async Task<IReadOnlyList<string>> ChangesAsync(Func<ClusterConfiguration, ClusterConfiguration> edit)
    {
        ClusterConfiguration? before = null;
        var after = await _database.UpdateAsync(c =>
        {
            before = c;
            return edit(c);
        });
        return ConfigurationEdits.Describe(before!, after);
    }

    private static readonly TestCaseData[] s_refusals =
    [
        new TestCaseData(Edit(c => ConfigurationEdits.CreateResource(c, App("x", "web", ("Port", "0")))), "Resource x: property Port must be between 1 and 65535, not 0")
            .SetName("Property out of range"),
        new TestCaseData(Edit(c => ConfigurationEdits.CreateResource(c, App("x", "web", ("Port", "eighty")))), "property Port must be an integer, not 'eighty'")
            .SetName("Property of the wrong type"),
        new TestCaseData(Edit(c => ConfigurationEdits.CreateResource(c, App("x", "web", ("Colour", "red")))), "resource type App has no property Colour")
            .SetName("Unknown property"),
        new TestCaseData(Edit(c => ConfigurationEdits.CreateResource(c, new Resource { Name = "x", Group = "web", Type = "App" })), "resource type App requires property Command")
            .SetName("Missing required property"),
        new TestCaseData(Edit(c => ConfigurationEdits.CreateResource(c, new Resource { Name = "x", Group = "web", Type = "Tape" })), "Resource x has type 'Tape', which is not registered (registered: App, Disk)")
            .SetName("Unknown type"),
        new TestCaseData(Edit(c => ConfigurationEdits.CreateResource(c, new Resource { Name = "x", Group = "nowhere", Type = "Disk" })), "There is no group 'nowhere' (there are: web)")
            .SetName("Unknown group"),
        new TestCaseData(Edit(c => ConfigurationEdits.CreateResource(c, new Resource { Name = "disk", Group = "web", Type = "Disk" })), "Resource disk exists already (in group web)")
            .SetName("Duplicate resource"),
        new TestCaseData(Edit(c => ConfigurationEdits.CreateResource(c, new Resource { Name = "bad name", Group = "web", Type = "Disk" })), "'bad name' is not a valid resource name")
            .SetName("Bad name"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetResource(c, "disk", Settings(("DependsOn", "server")))), "Group web has a dependency cycle among disk, server, disk")
            .SetName("Cycle"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetResource(c, "disk", Settings(("DependsOn", "disk")))), "Resource disk depends on itself")
            .SetName("Self dependency"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetResource(c, "disk", Settings(("RestartAction", "5")))), "Resource disk: RestartAction must be between 0 and 2, not 5")
            .SetName("RestartAction out of range"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetResource(c, "disk", Settings(("RetryPeriodOnFailure", "-2")))), "RetryPeriodOnFailure must be between -1")
            .SetName("RetryPeriodOnFailure below -1"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetResource(c, "disk", Settings(("RestartThreshold", "three")))), "Property RestartThreshold must be a whole number from 0 to 4294967295, not 'three'")
            .SetName("Threshold not a number"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetGroup(c, "web", Settings(("AutoFailbackType", "2")))), "Group web: AutoFailbackType must be between 0 and 1, not 2")
            .SetName("AutoFailbackType out of range"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetGroup(c, "web", Settings(("PreferredOwners", "n1,bad.node")))), "'bad.node' is not a valid node name")
            .SetName("Preferred owner that cannot be a node name"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetGroup(c, "web", Settings(("Colour", "red")))), "Groups have no property Colour")
            .SetName("Unknown group property"),
        new TestCaseData(Edit(c => ConfigurationEdits.DeleteResource(c, "disk")), "Resource disk is a dependency of server: remove those dependencies first")
            .SetName("Deleting a dependency"),
        new TestCaseData(Edit(c => ConfigurationEdits.DeleteGroup(c, "web", withResources: false)), "Group web still has resources (disk, server)")
            .SetName("Deleting a group with resources"),
        new TestCaseData(Edit(c => ConfigurationEdits.SetPersistentState(c, null, "ghost", online: true)), "There is no resource 'ghost'")
            .SetName("Online of an unknown resource"),
        new TestCaseData(Edit(c => ConfigurationEdits.Apply(c, [new Group { Name = "a" }, new Group { Name = "a" }], [], new Dictionary<string, bool>())), "The group a is declared twice")
            .SetName("Apply with a group twice"),
    ];

    [TestCaseSource(nameof(s_refusals))]
    public async Task Bad_change_is_refused_with_the_culprit_named_and_nothing_written(Delegate edit, string message)
    {
        var change = (Func<ClusterConfiguration, ClusterConfiguration>)edit;
        await CreateWebAsync();
        var revision = await _store.CurrentRevisionAsync();

        var error = Assert.ThrowsAsync<ClusterException>(() => _database.UpdateAsync(change));

        Assert.That(error.Message, Does.Contain(message));
        Assert.That(await _store.CurrentRevisionAsync(), Is.EqualTo(revision));
    }

    [Test]
    public async Task Apply_is_idempotent_and_all_or_nothing()
    {
        await CreateWebAsync();
        var groups = new[] { new Group { Name = "db" } };
        var resources = new[] { App("engine", "db", ("Command", "sleep 1")), new Resource { Name = "log", Group = "db", Type = "Disk" } };

        await _database.UpdateAsync(c => ConfigurationEdits.Apply(c, groups, resources, new Dictionary<string, bool> { ["db"] = true }));
        var first = await _store.CurrentRevisionAsync();
        await _database.UpdateAsync(c => ConfigurationEdits.Apply(c, groups, resources, new Dictionary<string, bool> { ["db"] = true }));
        Assert.That(await _store.CurrentRevisionAsync(), Is.EqualTo(first), "the same file again writes nothing");

        var broken = resources.Append(App("cache", "db", ("Port", "99999"))).ToArray();
        Assert.ThrowsAsync<ClusterException>(() => _database.UpdateAsync(c => ConfigurationEdits.Apply(c, [new Group { Name = "more" }], broken, new Dictionary<string, bool>())));
        var read = await _database.ReadAsync();
        Assert.That(read.Groups.Keys, Is.EqualTo(new[] { "db", "web" }), "group 'more' of the refused file was not created");
        Assert.That(read.IsPersistedOnline("engine"), Is.True);
    }

    [Test]
    public async Task Apply_with_prune_deletes_what_the_file_leaves_out_and_without_it_deletes_nothing()
    {
        await CreateWebAsync();
        await _database.UpdateAsync(c => ConfigurationEdits.SetPersistentState(c, "web", null, online: true));
        var groups = new[] { new Group { Name = "db" } };
        var resources = new[] { App("engine", "db", ("Command", "sleep 1")) };

        await _database.UpdateAsync(c => ConfigurationEdits.Apply(c, groups, resources, new Dictionary<string, bool>()));
        Assert.That((await _database.ReadAsync()).Groups.Keys, Is.EqualTo(new[] { "db", "web" }), "apply alone never deletes");

        var after = await _database.UpdateAsync(c => ConfigurationEdits.Apply(c, groups, resources, new Dictionary<string, bool>(), prune: true));
        Assert.Multiple(() =>
        {
            Assert.That(after.Groups.Keys, Is.EqualTo(new[] { "db" }));
            Assert.That(after.Resources.Keys, Is.EqualTo(new[] { "engine" }));
            Assert.That(after.PersistentOnline.Keys, Has.None.EqualTo("server"));
            Assert.That(after.Owners.Keys, Has.None.EqualTo("web"));
        });
    }

    [Test]
    public async Task Prune_that_would_leave_a_kept_resource_depending_on_a_deleted_one_is_refused_and_changes_nothing()
    {
        await CreateWebAsync();
        var revision = await _store.CurrentRevisionAsync();
        var server = App("server", "web", ("Command", "sleep 600"));
        server.DependsOn.Add("disk");

        var error = Assert.ThrowsAsync<ClusterException>(() => _database.UpdateAsync(
            c => ConfigurationEdits.Apply(c, [new Group { Name = "web" }], [server], new Dictionary<string, bool>(), prune: true)));

        Assert.That(error!.Message, Does.Contain("server").And.Contain("disk"));
        Assert.That(await _store.CurrentRevisionAsync(), Is.EqualTo(revision));
    }

    [Test]
    public async Task Preview_says_what_a_change_would_do_validated_and_writes_nothing()
    {
        await CreateWebAsync();
        var revision = await _store.CurrentRevisionAsync();

        var (before, after) = await _database.PreviewAsync(c => ConfigurationEdits.CreateGroup(c, new Group { Name = "db" }));

        Assert.That(ConfigurationEdits.Describe(before, after), Is.EqualTo(new[] { "created group db" }));
        Assert.That(await _store.CurrentRevisionAsync(), Is.EqualTo(revision));
        Assert.ThrowsAsync<ClusterException>(() => _database.PreviewAsync(c => ConfigurationEdits.CreateGroup(c, new Group { Name = "bad name!" })));
    }

    [Test]
    public async Task Concurrent_changes_from_two_nodes_both_apply()
    {
        await CreateWebAsync();
        var other = TestDatabase.Over(_store);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? _database : other)
            .UpdateAsync(c => ConfigurationEdits.CreateGroup(c, new Group { Name = $"g{i}" }))));

        Assert.That((await _database.ReadAsync()).Groups, Has.Count.EqualTo(11));
    }

    [Test]
    public async Task Deleting_a_group_with_its_resources_removes_their_persistent_state_and_owner()
    {
        await CreateWebAsync();
        await _database.UpdateAsync(c => ConfigurationEdits.SetPersistentState(c, "web", null, online: true));
        var read = await _database.ReadAsync();
        Assert.That(await _database.SetOwnersAsync(read, new Dictionary<string, Ownership> { ["web"] = new() { Node = "n1", Epoch = 1 } }), Is.True);
        Assert.That(await _database.SetOwnersAsync(read, new Dictionary<string, Ownership> { ["web"] = new() { Node = "n2", Epoch = 1 } }), Is.False,
            "an ownership written from a stale read is refused");

        await _database.UpdateAsync(c => ConfigurationEdits.DeleteGroup(c, "web", withResources: true));

        var (items, _) = await _store.RangeAsync("/cluster/");
        Assert.That(items.Select(i => i.Key).Where(k => !k.StartsWith(ConfigurationKeys.Types, StringComparison.Ordinal) && k != ConfigurationKeys.Guard), Is.Empty);
    }

    [Test]
    public void Describe_lists_each_change()
    {
        var before = ClusterConfiguration.Empty;
        var after = ConfigurationEdits.CreateGroup(before, new Group { Name = "web" });
        after = ConfigurationEdits.CreateResource(after, new Resource { Name = "disk", Group = "web", Type = "Disk" });
        after = ConfigurationEdits.SetPersistentState(after, "web", null, online: true);

        Assert.That(ConfigurationEdits.Describe(before, after), Is.EqualTo(new[] { "created group web", "created resource disk", "resource disk: persistent state Online" }));
    }

    private async Task CreateWebAsync()
    {
        await _database.UpdateAsync(c => ConfigurationEdits.CreateGroup(c, new Group { Name = "web" }));
        await _database.UpdateAsync(c => ConfigurationEdits.CreateResource(c, new Resource { Name = "disk", Group = "web", Type = "Disk" }));
        var server = App("server", "web", ("Command", "sleep 600"));
        server.DependsOn.Add("disk");
        await _database.UpdateAsync(c => ConfigurationEdits.CreateResource(c, server));
    }

    private static Resource App(string name, string group, params (string Key, string Value)[] properties)
    {
        var resource = new Resource { Name = name, Group = group, Type = "App" };
        foreach (var (key, value) in properties)
        {
            resource.Properties[key] = value;
        }

        if (!resource.Properties.ContainsKey("Command") && properties.Length > 0 && properties[0].Key != "Command")
        {
            resource.Properties["Command"] = "sleep 1";
        }

        return resource;
    }

    private static Dictionary<string, string> Settings(params (string Key, string Value)[] settings) =>
        settings.ToDictionary(s => s.Key, s => s.Value);

    private static Delegate Edit(Func<ClusterConfiguration, ClusterConfiguration> edit) => edit;
}
