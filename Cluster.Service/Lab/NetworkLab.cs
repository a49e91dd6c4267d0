using System.Diagnostics;
using System.Globalization;
using System.Net.NetworkInformation;

namespace Cluster.Service.Lab;

/// <summary>
/// Simulated hosts on one machine: a network namespace per host with an address on a private /24, all
/// plugged into a bridge that lives in a namespace of its own (the switch). Cutting a host unplugs its
/// port on the switch: a real partition, while the host's own loopback (a node's admin API and RHS
/// channels) carries on. Safety first, as shared/TOOLCHAIN.md learnt: before anything else the lab's
/// subnet gets a blackhole route in the root namespace, so that nothing aimed at it can leave the machine;
/// every command aimed at a host runs inside its namespace; dispose removes namespaces, bridge and route,
/// also after a failed start, and <see cref="RemoveAbandonedAsync"/> removes those of a lab whose process died.
/// </summary>
internal sealed class NetworkLab : IAsyncDisposable
{
    public const string NamespacePrefix = "clab-";
    private const string Switch = "switch";
    private const string Bridge = "br0";
    private const string HostInterface = "eth0";

    private readonly string _id; // clab-PID-OCTET: whose lab it is and which subnet, for the clean-up of abandoned ones
    private readonly int _octet;
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, string> _addresses = new(StringComparer.Ordinal);
    private readonly List<string> _hosts = []; // in order: host i has port i on the switch
    private bool _routed;

    private NetworkLab(int octet)
    {
        _octet = octet;
        _id = string.Create(CultureInfo.InvariantCulture, $"{NamespacePrefix}{Environment.ProcessId}-{octet}");
    }

    /// <summary>The lab's subnet, 10.213.N.0/24.</summary>
    public string Subnet => SubnetOf(_octet);

    public IReadOnlyList<string> Hosts => _hosts;

    /// <summary>What other commands need to cut and heal this lab's hosts.</summary>
    public LabRecord Record =>
        new(Environment.ProcessId, SpaceOf(Switch), [.. _hosts.Select((h, i) => new LabHost(h, NamespaceOf(h), _addresses[h], Port(i)))]);

    /// <summary>Builds the switch and one host per name (addresses .11, .12, ... in order).</summary>
    /// <exception cref="LabException">A command failed (the message has its error); everything made so far is removed.</exception>
    public static async Task<NetworkLab> CreateAsync(IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (hosts.Count is 0 or > 200 || hosts.Distinct(StringComparer.Ordinal).Count() != hosts.Count)
        {
            throw new ArgumentException("A lab needs 1 to 200 hosts with distinct names.", nameof(hosts));
        }

        await RemoveAbandonedAsync(cancellationToken).ConfigureAwait(false);
        var lab = new NetworkLab(await FreeOctetAsync(cancellationToken).ConfigureAwait(false));
        try
        {
            await IpAsync(cancellationToken, "route", "add", "blackhole", lab.Subnet).ConfigureAwait(false);
            lab._routed = true;
            var @switch = await lab.AddNamespaceAsync(Switch, cancellationToken).ConfigureAwait(false);
            await IpAsync(cancellationToken, "-n", @switch, "link", "add", Bridge, "type", "bridge").ConfigureAwait(false);
            await IpAsync(cancellationToken, "-n", @switch, "link", "set", Bridge, "up").ConfigureAwait(false);
            for (var i = 0; i < hosts.Count; i++)
            {
                var host = hosts[i];
                var space = await lab.AddNamespaceAsync(host, cancellationToken).ConfigureAwait(false);
                var port = Port(i);
                var address = string.Create(CultureInfo.InvariantCulture, $"10.213.{lab._octet}.{11 + i}");
                await IpAsync(cancellationToken, "link", "add", port, "netns", @switch, "type", "veth", "peer", "name", HostInterface, "netns", space).ConfigureAwait(false);
                await IpAsync(cancellationToken, "-n", @switch, "link", "set", port, "master", Bridge).ConfigureAwait(false);
                await IpAsync(cancellationToken, "-n", @switch, "link", "set", port, "up").ConfigureAwait(false);
                await IpAsync(cancellationToken, "-n", space, "addr", "add", address + "/24", "dev", HostInterface).ConfigureAwait(false);
                await IpAsync(cancellationToken, "-n", space, "link", "set", HostInterface, "up").ConfigureAwait(false);
                lab._addresses[host] = address;
                lab._hosts.Add(host);
            }

            return lab;
        }
        catch
        {
            await lab.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string AddressOf(string host) => _addresses.TryGetValue(host, out var address) ? address : throw new ArgumentException($"No host {host} in the lab.", nameof(host));

    public string NamespaceOf(string host) => _addresses.ContainsKey(host) ? SpaceOf(host) : throw new ArgumentException($"No host {host} in the lab.", nameof(host));

    /// <summary>The words that run a command on <paramref name="host"/>: `ip netns exec NAMESPACE` (it execs, so the PID is the command's).</summary>
    public IReadOnlyList<string> ExecPrefix(string host) => ["ip", "netns", "exec", NamespaceOf(host)];

    /// <summary>Unplugs the host from the switch: it reaches no other host, and none reaches it.</summary>
    public Task CutAsync(string host, CancellationToken cancellationToken = default) => SetPortAsync(Record, host, cut: true, cancellationToken);

    /// <summary>Plugs the host back in.</summary>
    public Task HealAsync(string host, CancellationToken cancellationToken = default) => SetPortAsync(Record, host, cut: false, cancellationToken);

    /// <summary>Unplugs (or plugs back) a host of a running lab, found through its record: the port's side on the switch goes down (up).</summary>
    /// <exception cref="ArgumentException">The lab has no such host.</exception>
    public static async Task SetPortAsync(LabRecord lab, string host, bool cut, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lab);
        var port = lab.Host(host)?.Port ?? throw new ArgumentException($"The lab has no host {host}: it has {string.Join(", ", lab.Hosts.Select(h => h.Name))}.", nameof(host));
        await IpAsync(cancellationToken, "-n", lab.Switch, "link", "set", port, cut ? "down" : "up").ConfigureAwait(false);
    }

    /// <summary>Removes the namespaces (their interfaces go with them) and the blackhole route; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        var errors = new List<string>();
        foreach (var space in Enumerable.Reverse(_namespaces))
        {
            try
            {
                await IpAsync(CancellationToken.None, "netns", "del", space).ConfigureAwait(false);
            }
            catch (LabException e)
            {
                errors.Add(e.Message);
            }
        }

        _namespaces.Clear();
        if (_routed)
        {
            try
            {
                await IpAsync(CancellationToken.None, "route", "del", "blackhole", Subnet).ConfigureAwait(false);
                _routed = false;
            }
            catch (LabException e)
            {
                errors.Add(e.Message);
            }
        }

        if (errors.Count > 0)
        {
            throw new LabException("The lab was not removed completely: " + string.Join("; ", errors));
        }
    }

    /// <summary>Removes the namespaces and routes of labs whose process is gone (killed before it could clean up).</summary>
    public static async Task RemoveAbandonedAsync(CancellationToken cancellationToken)
    {
        var abandoned = (await NamespacesAsync(cancellationToken).ConfigureAwait(false))
            .Select(name => (Name: name, Parts: name[NamespacePrefix.Length..].Split('-', 3)))
            .Where(n => n.Parts.Length == 3 && int.TryParse(n.Parts[0], CultureInfo.InvariantCulture, out var pid) && !IsRunning(pid)
                && int.TryParse(n.Parts[1], CultureInfo.InvariantCulture, out _))
            .ToList();
        foreach (var (name, _) in abandoned)
        {
            await IpAsync(cancellationToken, "netns", "del", name).ConfigureAwait(false);
        }

        foreach (var octet in abandoned.Select(n => int.Parse(n.Parts[1], CultureInfo.InvariantCulture)).Distinct())
        {
            await TryIpAsync(cancellationToken, "route", "del", "blackhole", SubnetOf(octet)).ConfigureAwait(false);
        }
    }

    /// <summary>The names of the namespaces of every lab on this machine.</summary>
    public static async Task<IReadOnlyList<string>> NamespacesAsync(CancellationToken cancellationToken) =>
        [.. (await IpAsync(cancellationToken, "netns", "list").ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0])
            .Where(name => name.StartsWith(NamespacePrefix, StringComparison.Ordinal))];

    private async Task<string> AddNamespaceAsync(string host, CancellationToken cancellationToken)
    {
        var space = SpaceOf(host);
        await IpAsync(cancellationToken, "netns", "add", space).ConfigureAwait(false);
        _namespaces.Add(space);
        await IpAsync(cancellationToken, "-n", space, "link", "set", "lo", "up").ConfigureAwait(false);
        return space;
    }

    /// <summary>A host's namespace (the switch's too): the lab's id, whose PID and subnet it carries, and the host.</summary>
    private string SpaceOf(string host) => $"{_id}-{host}";

    /// <summary>The host's port on the switch (an interface name: at most 15 characters).</summary>
    private static string Port(int index) => string.Create(CultureInfo.InvariantCulture, $"port{index}");

    private static string SubnetOf(int octet) => string.Create(CultureInfo.InvariantCulture, $"10.213.{octet}.0/24");

    /// <summary>A third octet no route and no address of this machine uses yet.</summary>
    private static async Task<int> FreeOctetAsync(CancellationToken cancellationToken)
    {
        var routes = await IpAsync(cancellationToken, "-4", "route", "show", "table", "all").ConfigureAwait(false);
        var used = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address.ToString())
            .ToList();
        foreach (var octet in Enumerable.Range(0, 256).OrderBy(_ => Random.Shared.Next()))
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"10.213.{octet}.");
            if (!routes.Contains(prefix, StringComparison.Ordinal) && !used.Any(a => a.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return octet;
            }
        }

        throw new LabException("No free subnet in 10.213.0.0/16 for the lab.");
    }

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}");

    private static async Task TryIpAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        try
        {
            await IpAsync(cancellationToken, arguments).ConfigureAwait(false);
        }
        catch (LabException)
        {
            // gone already
        }
    }

    /// <summary>Runs ip(8); its output, or a <see cref="LabException"/> with its error.</summary>
    private static async Task<string> IpAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new LabException("ip(8) could not be started.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LabException($"ip(8) could not be started (Debian: apt-get install iproute2): {e.Message}");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode == 0
                ? await output.ConfigureAwait(false)
                : throw new LabException($"`ip {string.Join(' ', arguments)}` failed: {(await error.ConfigureAwait(false)).Trim()}");
        }
    }
}
