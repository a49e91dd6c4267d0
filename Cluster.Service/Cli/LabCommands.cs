using System.CommandLine;
using Cluster.Service.Database;
using Cluster.Service.Lab;
using Cluster.Service.Store.Etcd;

namespace Cluster.Service.Cli;

/// <summary>`cluster lab`: a cluster over simulated hosts (network namespaces), with real partitions.</summary>
internal static class LabCommands
{
    public static Command Create()
    {
        var lab = new Command("lab", "A cluster over simulated hosts on this machine (network namespaces; needs root), with real partitions");
        lab.Subcommands.Add(CreateUp());
        lab.Subcommands.Add(CreatePort("cut", cut: true, "Unplug a host of the running lab from its network (a node, or an etcd member: e1, e2...)"));
        lab.Subcommands.Add(CreatePort("heal", cut: false, "Plug a host of the running lab back in"));
        return lab;
    }

    private static Command CreateUp()
    {
        var nodes = new Option<int>("--nodes") { Description = "How many nodes, each on a host of its own: n1, n2, ... (1 to 16)", DefaultValueFactory = _ => 3 }.Between(1, 16);
        var members = new Option<int>("--etcd-members")
        {
            Description = $"How many etcd members, each on a host of its own: e1, e2, ... (1 to {EtcdCluster.MaxMembers})",
            DefaultValueFactory = _ => 1,
        }.Between(1, EtcdCluster.MaxMembers);
        var file = new Option<FileInfo[]>("--file", "-f") { Description = "YAML files to apply once the nodes are up (see samples/; repeatable)" };
        file.AcceptExistingOnly();
        var up = new Command("up", "Build the hosts, start etcd and the nodes on them, and run until Ctrl-C; then remove it all") { nodes, members, file };
        up.SetHandler(async (parseResult, cancellationToken) =>
        {
            if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            {
                throw new ClusterUserException("cluster lab needs root on Linux: it creates network namespaces (run it with sudo).");
            }

            var directory = CommonOptions.ResolveDirectory(parseResult);
            if (directory.ReadNodeRecords().Any(r => NodeLauncher.IsNodeProcess(r.Pid, r.Name)) || LabRecord.Read(directory) is not null)
            {
                throw new ClusterUserException($"A cluster is running in {directory.Root} already: use it, or stop it first.");
            }

            foreach (var yaml in parseResult.GetValue(file) ?? [])
            {
                await ClusterFile.ReadAsync(yaml.FullName, cancellationToken).ConfigureAwait(false); // a bad file changes nothing
            }

            var output = parseResult.InvocationConfiguration.Output;
            await using var cluster = await LabCluster.StartAsync(directory, parseResult.GetValue(nodes), parseResult.GetValue(members), cancellationToken)
                .ConfigureAwait(false);
            foreach (var yaml in parseResult.GetValue(file) ?? [])
            {
                var (exitCode, applied, error) = await cluster.CliAsync("n1", ["apply", "-f", yaml.FullName, "--node", "n1"], cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(exitCode == 0 ? applied : error).ConfigureAwait(false);
            }

            await output.WriteLineAsync($"lab {cluster.Network.Subnet} up ({directory.Root}); store {cluster.Etcd.Location}").ConfigureAwait(false);
            await output.WriteLineAsync($"{"HOST",-6} {"ADDRESS",-15} NAMESPACE").ConfigureAwait(false);
            foreach (var host in cluster.Network.Hosts)
            {
                await output.WriteLineAsync($"{host,-6} {cluster.Network.AddressOf(host),-15} {cluster.Network.NamespaceOf(host)}").ConfigureAwait(false);
            }

            var self = SelfExecutable.CommandLine();
            await output.WriteLineAsync($"""
                A node's admin API is on its host's loopback: run client verbs there, e.g.
                  ip netns exec {cluster.Network.NamespaceOf("n1")} {self} status --dir {directory.Root} --node n1
                Partition a host, and heal it:
                  {self} lab cut n1 --dir {directory.Root}      {self} lab heal n1 --dir {directory.Root}
                Ctrl-C stops the nodes and etcd and removes the hosts.
                """).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: the await using takes it all down.
            }

            return 0;
        });
        return up;
    }

    private static Command CreatePort(string verb, bool cut, string description)
    {
        var host = new Argument<string>("host") { Description = "The host: n1, n2, ... or e1, e2, ..." };
        var command = new Command(verb, description) { host };
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            var directory = CommonOptions.ResolveDirectory(parseResult);
            var lab = LabRecord.Read(directory) ?? throw new ClusterUserException($"No lab is running in {directory.Root}: start one with `cluster lab up`.");
            var name = parseResult.GetValue(host)!;
            try
            {
                await NetworkLab.SetPortAsync(lab, name, cut, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                throw new ClusterUserException(e.Message.Split(" (Parameter", 2)[0]);
            }

            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"host {name} {(cut ? "cut off from" : "plugged back into")} the lab's network").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
