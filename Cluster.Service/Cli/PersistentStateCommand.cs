using System.CommandLine;
using System.Diagnostics;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Types.V1;

namespace Cluster.Service.Cli;

/// <summary>
/// `group online|offline NAME` and `resource online|offline NAME`: an administrator's persistent state,
/// written to the cluster database; then, like Start-ClusterGroup, wait until the owner's RCM got there.
/// </summary>
internal static class PersistentStateCommand
{
    private static readonly Option<int> s_wait = new Option<int>("--wait")
    {
        Description = "Seconds to wait for the state to be reached (0: return once it is stored)",
        DefaultValueFactory = _ => 60,
    }.AtLeast(0);

    public static Command Create(string verb, string description, string noun, bool online)
    {
        var name = new Argument<string>("name") { Description = $"The {noun}" };
        var command = new Command(verb, description) { name, s_wait, NodeConnections.NodeOption };
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            var target = parseResult.GetValue(name)!;
            var request = noun == "group"
                ? new SetPersistentStateRequest { Group = target, Online = online }
                : new SetPersistentStateRequest { Resource = target, Online = online };
            using (var client = await NodeConnections.ConnectAnyAsync(parseResult, cancellationToken).ConfigureAwait(false))
            {
                await client.SetPersistentState(request, cancellationToken).ConfigureAwait(false);
            }

            var wait = TimeSpan.FromSeconds(parseResult.GetValue(s_wait));
            var reached = wait > TimeSpan.Zero
                ? await WaitAsync(parseResult, noun, target, online, wait, cancellationToken).ConfigureAwait(false)
                : "persistent state stored";
            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"{target}: {reached}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>Polls the nodes until the target is there; the group Failed (its policy gave up) or the deadline is an error.</summary>
    private static async Task<string> WaitAsync(
        ParseResult parseResult, string noun, string target, bool online, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var last = "unknown";
        while (deadline.Elapsed < wait)
        {
            var groups = await NodeConnections.ListGroupsAsync(parseResult, cancellationToken).ConfigureAwait(false);
            string state, node, groupState;
            if (noun == "group")
            {
                var group = groups.Single(g => g.Name == target);
                (state, node, groupState) = (group.State, group.Node, group.State);
            }
            else
            {
                var resource = (await NodeConnections.ListResourcesAsync(parseResult, cancellationToken).ConfigureAwait(false)).Single(r => r.Name == target);
                (state, node) = (StateNames.Of(resource.State), resource.Node);
                groupState = groups.Single(g => g.Name == resource.Group).State;
            }

            last = $"{state} on {(node.Length > 0 ? node : "no node")}";
            if (state == (online ? "Online" : "Offline") || (!online && state == nameof(ResourceState.Failed)))
            {
                return last;
            }

            if (online && groupState == "Failed")
            {
                throw new ClusterUserException($"{target} did not come online: its group is Failed (see `cluster log`); {noun} {last}.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new ClusterUserException($"{target} is {last} after {wait.TotalSeconds} s (the persistent state is stored; the RCM goes on).");
    }
}
