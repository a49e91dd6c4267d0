using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>The command docs/tracing.md gives decodes a real node's calls to its RHS, down to the resource's name.</summary>
public class WiresharkTests : NodeTestBase
{
    /// <summary>No node at set-up: the capture must see the node's connection to its RHS open (HPACK state).</summary>
    protected override int NodeCount => 0;

    [Test]
    public async Task Tshark_decodes_the_online_call_to_the_rhs_with_the_resource_name()
    {
        Tshark.Require();
        Directory.CreateDirectory(Dir); // no node has made it yet
        var pcap = Path.Combine(Dir, "capture.pcap");
        using var capture = await Tshark.StartCaptureAsync(pcap);
        try
        {
            await StartNodeAsync("n1");
            await HostAsync("web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7501");
        }
        finally
        {
            await capture.StopAsync();
        }

        // The trace says which port the RHS that ran the Online listens on.
        var online = JsonDocument.Parse((await Cli("trace", "--json", "--method", "Online")).Trim()).RootElement;
        var port = int.Parse(online.GetProperty("peer").GetString()!.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);

        var decoded = await Tshark.DecodeAsync(pcap, port);
        Assert.That(decoded, Does.Contain("/cluster.rhs.v1.ResourceHost/Online,request (Message: cluster.rhs.v1.OnlineRequest)"));
        Assert.That(decoded, Does.Match(@"\(Message: cluster\.rhs\.v1\.OnlineRequest\)\s+resource: web\b"));
    }
}
