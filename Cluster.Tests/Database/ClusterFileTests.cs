using Cluster.Service;
using Cluster.Service.Database;

namespace Cluster.Tests.Database;

/// <summary>The YAML of `cluster apply -f`: its shape, and errors that say where.</summary>
[TestFixture]
public sealed class ClusterFileTests
{
    private const string Web = """
        groups:
          - name: web
            preferredOwners: [n2, n1]
            failoverThreshold: 2
            persistentState: Online
            resources:
              - name: web-ip
                type: IPAddress
                properties: { Address: 10.0.0.5 }
              - name: web-server
                type: GenericApplication
                dependsOn: [web-ip]
                RestartDelay: 0
                separateMonitor: true
                properties:
                  CommandLine: sleep 3600
        """;

    [Test]
    public void Groups_resources_common_and_private_properties_are_read()
    {
        var request = ClusterFile.Parse(Web, "web.yaml");

        var group = request.Groups.Single();
        Assert.That(group.Name, Is.EqualTo("web"));
        Assert.That(group.PreferredOwners, Is.EqualTo(new[] { "n2", "n1" }));
        Assert.That(group.FailoverThreshold, Is.EqualTo(2));
        Assert.That(request.GroupOnline["web"], Is.True);
        var server = request.Resources.Single(r => r.Name == "web-server");
        Assert.That(server.Group, Is.EqualTo("web"));
        Assert.That(server.DependsOn, Is.EqualTo(new[] { "web-ip" }));
        Assert.That(server.RestartDelayMs, Is.Zero);
        Assert.That(server.HasRestartDelayMs, Is.True);
        Assert.That(server.SeparateMonitor, Is.True);
        Assert.That(server.Properties["CommandLine"], Is.EqualTo("sleep 3600"));
        Assert.That(request.Resources.Single(r => r.Name == "web-ip").Properties["Address"], Is.EqualTo("10.0.0.5"));
    }

    [TestCase("groups:\n  - name: g\n    colour: red\n", "f.yaml:3:5: unknown key 'colour' in group g (known: name, resources, persistentState")]
    [TestCase("groups:\n  - name: g\n    resources:\n      - name: r\n", "f.yaml:4:9: resource r needs a type")]
    [TestCase("groups:\n  - name: g\n    resources:\n      - name: r\n        type: T\n        dependOn: [x]\n", "f.yaml:6:9: unknown key 'dependOn' in resource r")]
    [TestCase("groups:\n  - name: g\n    persistentState: Up\n", "persistentState of group g must be Online or Offline, not 'Up'")]
    [TestCase("groups:\n  - name: g\n    failoverThreshold: many\n", "f.yaml:3:24: Property FailoverThreshold must be a whole number from 0 to 4294967295, not 'many'")]
    [TestCase("groups:\n  - name: g\n    failoverThreshold: -1\n", "f.yaml:3:24: Property FailoverThreshold must be a whole number from 0 to 4294967295, not '-1'")]
    [TestCase("groups:\n  - name: g\n    priority: 99999999999\n", "Property Priority must be an integer from -2147483648 to 2147483647, not '99999999999'")]
    [TestCase("groups:\n  - preferredOwners: [n1]\n", "f.yaml:2:5: a group needs a name")]
    [TestCase("groups: {}\n", "groups must be a list")]
    [TestCase("nodes: []\n", "unknown key 'nodes' in the file")]
    [TestCase("groups:\n  - name: [g\n", "f.yaml:")]
    [TestCase("groups:\n  - name: g\n    Weight.StorageGroups: two\n", "f.yaml:3:27: Property Weight.StorageGroups must be a whole number from 0 to 4294967295, not 'two'")]
    [TestCase("groups:\n  - name: g\n    Weight.Storage Groups: 2\n", "a quantity's name has letters, digits, '-' and '_' only, not 'Storage Groups'")]
    public void Bad_file_is_an_error_naming_the_place(string text, string message)
    {
        var error = Assert.Throws<ClusterUserException>(() => ClusterFile.Parse(text, "f.yaml"));

        Assert.That(error.Message, Does.Contain(message));
    }

    [Test]
    public void Export_reads_back_to_the_same_groups_and_resources_with_every_property_that_is_set()
    {
        var declared = ClusterFile.Parse("""
            groups:
              - name: web
                description: "the web tier: \"quoted\", with a colon"
                preferredOwners: [n2, n1]
                failoverThreshold: 0
                failoverPeriod: 2
                autoFailbackType: 1
                failbackWindowStart: -1
                failbackWindowEnd: 5
                priority: 3000
                Weight.StorageGroups: 2
                weight.cpu: 1
                resources:
                  - name: web-ip
                    type: IPAddress
                    possibleOwners: [n1]
                    restartAction: 0
                    retryPeriodOnFailure: -1
                    properties: { Address: 10.0.0.5 }
                  - name: web-server
                    type: GenericApplication
                    dependsOn: [web-ip]
                    separateMonitor: true
                    looksAlivePollInterval: 1000
                    isAlivePollInterval: 5000
                    pendingTimeout: 3000
                    deadlockTimeout: 2000
                    restartThreshold: 0
                    restartPeriod: 60000
                    restartDelay: 0
                    properties:
                      CommandLine: "$CLUSTER_EXE sim-app --banner '* OK: ready'"
                      Empty: ""
              - name: empty
            """, "declared.yaml");
        var online = new Dictionary<string, bool> { ["web-ip"] = true, ["web-server"] = true };

        var text = ClusterFileWriter.Write(declared.Groups, declared.Resources, online);
        var read = ClusterFile.Parse(text, "exported.yaml");

        Assert.Multiple(() =>
        {
            Assert.That(read.Groups.OrderBy(g => g.Name).Zip(declared.Groups.OrderBy(g => g.Name)).All(p => StoredEquality.Same(p.First, p.Second)), Is.True, text);
            Assert.That(read.Resources.OrderBy(r => r.Name).Zip(declared.Resources.OrderBy(r => r.Name)).All(p => StoredEquality.Same(p.First, p.Second)), Is.True, text);
            Assert.That(read.Resources, Has.Count.EqualTo(2));
            Assert.That(read.GroupOnline, Is.EquivalentTo(new Dictionary<string, bool> { ["web"] = true }));
            Assert.That(text, Does.Not.Contain("looksAlivePollInterval: null").And.Not.Contain("..."));
            Assert.That(read.Groups.Single(g => g.Name == "web").Weights, Is.EquivalentTo(new Dictionary<string, uint> { ["StorageGroups"] = 2, ["cpu"] = 1 }));
        });
    }

    [Test]
    public void Export_leaves_out_a_group_s_persistent_state_when_its_resources_differ_and_says_so()
    {
        var declared = ClusterFile.Parse(Web, "web.yaml");

        var text = ClusterFileWriter.Write(declared.Groups, declared.Resources, new Dictionary<string, bool> { ["web-ip"] = true });

        Assert.That(ClusterFile.Parse(text, "exported.yaml").GroupOnline, Is.Empty);
        Assert.That(text, Does.Contain("# No persistentState for web: their resources' persistent states differ"));
    }

    [Test]
    public void Every_sample_parses()
    {
        var samples = Path.Combine(TestContext.CurrentContext.TestDirectory, "samples");
        var files = Directory.GetFiles(samples, "*.yaml");

        Assert.That(files, Is.Not.Empty);
        foreach (var file in files)
        {
            Assert.That(ClusterFile.Parse(File.ReadAllText(file), Path.GetFileName(file)).Groups, Is.Not.Empty, file);
        }
    }
}
