using Cluster.Contracts.Resources;
using Cluster.Protocol.Plugins;
using Cluster.Protocol.Transport;

namespace Cluster.Tests.Plugins;

/// <summary>The process protocol's own parts: endpoint names, the handshake line, and the resource API's states on the wire.</summary>
[TestFixture]
public sealed class PluginProtocolTests
{
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

    [Test]
    public void Resource_api_states_are_the_wire_states_by_number_and_name()
    {
        var api = Enum.GetValues<ResourceState>().ToDictionary(s => (int)s, s => s.ToString());
        var wire = Enum.GetValues<Cluster.Protocol.Types.V1.ResourceState>().ToDictionary(s => (int)s, s => s.ToString());

        Assert.That(api, Is.EqualTo(wire));
    }

    [Test]
    public void Resource_dll_api_carries_no_transport()
    {
        var references = typeof(Resource).Assembly.GetReferencedAssemblies().Select(a => a.Name!);

        Assert.That(references, Has.None.StartsWith("Grpc").And.None.StartsWith("Google.Protobuf").And.None.StartsWith("Microsoft.AspNetCore"));
    }
}
