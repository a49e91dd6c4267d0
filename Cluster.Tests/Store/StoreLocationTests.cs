using Cluster.Service;
using Cluster.Service.Store;
using Cluster.Tests.Support;

namespace Cluster.Tests.Store;

public sealed class StoreLocationTests
{
    [TestCase("sqlite", "sqlite")]
    [TestCase(" etcd://127.0.0.1:2379 ", "etcd://127.0.0.1:2379")]
    [TestCase("etcd://10.0.0.1:2379,10.0.0.2:2379,etcd-3:2379", "etcd://10.0.0.1:2379,10.0.0.2:2379,etcd-3:2379")]
    [TestCase("etcd://[::1]:2379", "etcd://[::1]:2379")]
    public void Parses_and_writes_back_the_same_text(string text, string written) =>
        Assert.That(StoreLocation.Parse(text).ToString(), Is.EqualTo(written));

    [Test]
    public void Etcd_members_become_http_endpoints_in_order()
    {
        var location = StoreLocation.Parse("etcd://b:2,a:1");

        Assert.That(location.IsEtcd, Is.True);
        Assert.That(location.EtcdEndpoints.Select(e => e.ToString()), Is.EqualTo(new[] { "http://b:2/", "http://a:1/" }));
        Assert.That(StoreLocation.Embedded.IsEtcd, Is.False);
    }

    [TestCase("", "'' is not a cluster store")]
    [TestCase("SQLite", "'SQLite' is not a cluster store")]
    [TestCase("etcd://", "'' in 'etcd://' is not an etcd member's address")]
    [TestCase("etcd://host", "'host' in 'etcd://host' is not an etcd member's address")]
    [TestCase("etcd://host:2379/v3", "'host:2379/v3' in 'etcd://host:2379/v3' is not an etcd member's address")]
    [TestCase("etcd://host:2379?x=1", "is not an etcd member's address")]
    [TestCase("etcd://ho st:2379", "is not an etcd member's address")]
    public void Refuses_what_is_not_a_store_naming_it(string text, string message) =>
        Assert.That(() => StoreLocation.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains(message));

    [Test]
    public void The_cluster_directory_records_an_etcd_store_and_forgets_it_for_the_embedded_one()
    {
        var directory = new ClusterDirectory(ClusterCli.NewClusterDirectory());
        try
        {
            Assert.That(directory.ReadStoreLocation(), Is.EqualTo(StoreLocation.Embedded), "nothing recorded: the embedded store");

            directory.WriteStoreLocation(StoreLocation.Parse("etcd://127.0.0.1:2379"));
            Assert.That(directory.ReadStoreLocation().ToString(), Is.EqualTo("etcd://127.0.0.1:2379"));

            directory.WriteStoreLocation(StoreLocation.Embedded);
            Assert.That(File.Exists(directory.StoreLocationPath), Is.False);
            Assert.That(directory.ReadStoreLocation(), Is.EqualTo(StoreLocation.Embedded));
        }
        finally
        {
            Directory.Delete(directory.Root, recursive: true);
        }
    }

    [Test]
    public void A_damaged_record_is_a_clear_error_naming_the_file()
    {
        var directory = new ClusterDirectory(ClusterCli.NewClusterDirectory());
        try
        {
            Directory.CreateDirectory(directory.Root);
            File.WriteAllText(directory.StoreLocationPath, "etcd://nowhere");

            Assert.That(directory.ReadStoreLocation, Throws.TypeOf<ClusterUserException>()
                .With.Message.Contains(directory.StoreLocationPath).And.Message.Contains("'nowhere'"));
        }
        finally
        {
            Directory.Delete(directory.Root, recursive: true);
        }
    }
}
