using Cluster.Grpc;
using Cluster.Grpc.Hosting;
using Cluster.Grpc.Protocol;

namespace Cluster.Tests.Grpc;

[TestFixture]
public sealed class ProtocolTests
{
    [TestCase("1S", 1_000)]
    [TestCase("250m", 250)]
    [TestCase("2M", 120_000)]
    [TestCase("1H", 3_600_000)]
    [TestCase("5000u", 5)]
    [TestCase("3000000n", 3)]
    public void Parses_grpc_timeout(string header, int expectedMilliseconds)
    {
        Assert.That(GrpcTimeout.TryParse(header, out var timeout), Is.True);
        Assert.That(timeout, Is.EqualTo(TimeSpan.FromMilliseconds(expectedMilliseconds)));
    }

    [TestCase("")]
    [TestCase("S")]
    [TestCase("12")]
    [TestCase("1x")]
    [TestCase("-1S")]
    [TestCase("123456789S")]
    public void Rejects_malformed_grpc_timeout(string header) =>
        Assert.That(GrpcTimeout.TryParse(header, out _), Is.False);

    [TestCase(1)]
    [TestCase(200)]
    [TestCase(300_000)]
    [TestCase(100_000_000)]
    public void Formatted_timeout_is_at_most_eight_digits_and_never_shorter(int milliseconds)
    {
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        var header = GrpcTimeout.Format(timeout);

        Assert.That(header.Length, Is.LessThanOrEqualTo(9));
        Assert.That(GrpcTimeout.TryParse(header, out var parsed), Is.True);
        Assert.That(parsed, Is.GreaterThanOrEqualTo(timeout));
    }

    [TestCase("plain ascii", "plain ascii")]
    [TestCase("100%", "100%25")]
    [TestCase("é", "%C3%A9")]
    [TestCase("line\nbreak", "line%0Abreak")]
    public void Percent_encodes_status_messages(string message, string encoded)
    {
        Assert.That(StatusMessageEncoding.Encode(message), Is.EqualTo(encoded));
        Assert.That(StatusMessageEncoding.Decode(encoded), Is.EqualTo(message));
    }

    [Test]
    public void Decoding_keeps_a_malformed_escape() =>
        Assert.That(StatusMessageEncoding.Decode("50%zz"), Is.EqualTo("50%zz"));

    [TestCase("127.0.0.1:5000", "127.0.0.1:5000")]
    [TestCase("http://127.0.0.1:5000/", "127.0.0.1:5000")]
    [TestCase("[::1]:80", "[::1]:80")]
    [TestCase("unix:/tmp/a.sock", "unix:/tmp/a.sock")]
    [TestCase("unix:///tmp/a.sock", "unix:/tmp/a.sock")]
    public void Parses_endpoints(string text, string canonical) =>
        Assert.That(GrpcEndpoint.Parse(text).ToString(), Is.EqualTo(canonical));

    [TestCase("")]
    [TestCase("localhost")]
    [TestCase("127.0.0.1:99999")]
    [TestCase("127.0.0.1:http")]
    [TestCase("unix:")]
    public void Rejects_malformed_endpoints_with_a_message_naming_them(string text)
    {
        Assert.That(GrpcEndpoint.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Is.Not.Empty);
    }

    [Test]
    public void Handshake_round_trips()
    {
        var handshake = new PluginHandshake("rhs", GrpcEndpoint.Loopback(4567));

        Assert.That(handshake.ToString(), Is.EqualTo("CLUSTER-PLUGIN|1|rhs|127.0.0.1:4567"));
        Assert.That(PluginHandshake.TryParse(handshake.ToString()), Is.EqualTo(handshake));
    }

    [Test]
    public void Ordinary_output_is_not_a_handshake() =>
        Assert.That(PluginHandshake.TryParse("starting up..."), Is.Null);

    [TestCase("CLUSTER-PLUGIN|2|rhs|127.0.0.1:1")]
    [TestCase("CLUSTER-PLUGIN|1|rhs")]
    [TestCase("CLUSTER-PLUGIN|1|rhs|nowhere")]
    public void Bad_handshake_is_a_clear_error(string line) =>
        Assert.Throws<FormatException>(() => PluginHandshake.TryParse(line));
}
