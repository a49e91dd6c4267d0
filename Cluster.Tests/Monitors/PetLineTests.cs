using Cluster.Protocol.Rhs;

namespace Cluster.Tests.Monitors;

/// <summary>The pet as a line on an RHS's stdin: what the node writes is what the RHS reads, and nothing else passes.</summary>
[TestFixture]
public sealed class PetLineTests
{
    [Test]
    public void A_formatted_pet_parses_back()
    {
        var line = PetLine.Format(TimeSpan.FromMilliseconds(874.6), 42);

        Assert.That(line, Is.EqualTo("pet 42 874"));
        Assert.That(PetLine.TryParse(line, out var validFor, out var lease, out var why), Is.True, why);
        Assert.That((validFor, lease), Is.EqualTo((TimeSpan.FromMilliseconds(874), 42L)));
    }

    [TestCase("detach", "not a pet line (expected 'pet LEASE VALID_FOR_MS'): 'detach'")]
    [TestCase("pet 1", "not a pet line")]
    [TestCase("pet 1 2 3", "not a pet line")]
    [TestCase("pet -1 200", "a pet line needs a lease and a number of milliseconds: 'pet -1 200'")]
    [TestCase("pet 7 soon", "a pet line needs a lease and a number of milliseconds")]
    [TestCase("pet 7 99999999999", "a pet line needs a lease and a number of milliseconds")]
    public void Anything_else_is_refused_and_named(string line, string expected)
    {
        Assert.That(PetLine.TryParse(line, out _, out _, out var why), Is.False);
        Assert.That(why, Does.StartWith(expected));
    }
}
