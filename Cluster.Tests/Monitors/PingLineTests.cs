using Cluster.Protocol.Rhs;
using Cluster.Protocol.Rhs.V1;

namespace Cluster.Tests.Monitors;

/// <summary>The health ping and its answer as lines on an RHS's pipes: what one side writes the other reads, and nothing else passes.</summary>
[TestFixture]
public sealed class PingLineTests
{
    [Test]
    public void A_formatted_ping_parses_back()
    {
        var line = PingLine.Format(42);

        Assert.That(line, Is.EqualTo("ping 42"));
        Assert.That(PingLine.Claims(line), Is.True);
        Assert.That(PingLine.TryParse(line, out var sequence, out var why), Is.True, why);
        Assert.That(sequence, Is.EqualTo(42));
    }

    [TestCase("ping", "not a ping line (expected 'ping SEQ'): 'ping'")]
    [TestCase("ping 1 2", "not a ping line")]
    [TestCase("ping -1", "a ping line needs a sequence number: 'ping -1'")]
    [TestCase("ping soon", "a ping line needs a sequence number")]
    public void A_malformed_ping_is_refused_and_named(string line, string expected)
    {
        Assert.That(PingLine.Claims(line), Is.True, "meant as a ping, so the RHS names what is wrong with it");
        Assert.That(PingLine.TryParse(line, out _, out var why), Is.False);
        Assert.That(why, Does.StartWith(expected));
    }

    [TestCase("pet 1 200")]
    [TestCase("pinged 3")]
    public void Other_lines_are_not_pings(string line) => Assert.That(PingLine.Claims(line), Is.False);

    [Test]
    public void A_formatted_pong_parses_back_with_the_calls_in_flight()
    {
        var answer = new PingResponse { Pid = 1234, Calls = { new InFlightCall { Resource = "disk | 1", EntryPoint = "LooksAlive", RunningMs = 5000 } } };
        var line = PongLine.Format(7, answer);

        Assert.That(line, Does.StartWith("CLUSTER-PONG|7|"));
        Assert.That(PongLine.TryParse(line, out var sequence, out var parsed, out var why), Is.True, why);
        Assert.That(sequence, Is.EqualTo(7));
        Assert.That(parsed, Is.EqualTo(answer));
    }

    [TestCase("CLUSTER-PONG|7", "a pong line needs a sequence number and an answer")]
    [TestCase("CLUSTER-PONG|x|CI9j", "a pong line needs a sequence number and an answer")]
    [TestCase("CLUSTER-PONG|7|not base64!", "a pong line's answer is not a base64 PingResponse")]
    [TestCase("CLUSTER-PONG|7|/w==", "a pong line's answer is not a base64 PingResponse")]
    [TestCase("pong 7", "not a pong line")]
    public void A_malformed_pong_is_refused_and_named(string line, string expected)
    {
        Assert.That(PongLine.TryParse(line, out _, out _, out var why), Is.False);
        Assert.That(why, Does.StartWith(expected));
    }
}
