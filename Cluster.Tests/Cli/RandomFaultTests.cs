using System.Globalization;
using Cluster.Service.Bench;

namespace Cluster.Tests.Cli;

/// <summary>
/// A short seeded run of `cluster bench chaos` (<see cref="ChaosCampaign"/>): random node kills, isolation,
/// node freezes shorter and longer than the lease, RHS freezes and kills and resource failures against three
/// real nodes, one application forking a child, while a sampler watches the real processes. No group may
/// ever run twice, every group must settle where the policy says, and nothing may be left running.
/// CLUSTER_CHAOS_FAULTS sets how many faults (default 20, to keep the suite short: the scenario library covers each fault kind on purpose; the long campaign is
/// `cluster bench chaos --faults 500`), CLUSTER_CHAOS_SEED replays a run's choices (the seed is printed).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RandomFaultTests
{
    [Test]
    public async Task Random_faults_never_run_a_group_twice_and_groups_end_where_the_policy_says()
    {
        var faults = int.TryParse(Environment.GetEnvironmentVariable("CLUSTER_CHAOS_FAULTS"), CultureInfo.InvariantCulture, out var n) ? n : 20;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CLUSTER_CHAOS_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Environment.TickCount;
        TestContext.Out.WriteLine($"seed {seed}, {faults} faults");

        var report = await ChaosCampaign.RunAsync(faults, seed, TestContext.Out, CancellationToken.None, keepDirectory: true);

        report.WriteTo(TestContext.Out);
        Assert.That(report.Violations, Is.Empty, $"seed {seed}: a group's application ran twice");
        Assert.That(report.Settled, Is.True, $"seed {seed}: the groups settled where the policy says");
        Assert.That(report.LeftOver, Is.Empty, $"seed {seed}: nothing left running after the cluster stopped");
        Assert.That(report.Faults, Is.EqualTo(faults), "every fault was injected");
        Assert.That(report.Samples, Is.GreaterThan(100), "the sampler ran");

        // Kept as asked (`--keep`), with what the nodes logged to read beside the slowest failovers; a passed run's is ours to remove.
        Assert.That(report.KeptDirectory, Is.Not.Null);
        Assert.That(Path.Combine(report.KeptDirectory!, "logs", "n1.log"), Does.Exist);
        Directory.Delete(report.KeptDirectory!, recursive: true);
    }
}
