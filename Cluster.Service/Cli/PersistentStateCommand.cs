using System.CommandLine;
using Cluster.Contracts.Admin.V1;

namespace Cluster.Service.Cli;

/// <summary>`group online|offline NAME` and `resource online|offline NAME`: an administrator's persistent state.</summary>
internal static class PersistentStateCommand
{
    public static Command Create(string verb, string description, string noun, Func<string, SetPersistentStateRequest> request)
    {
        var name = new Argument<string>("name") { Description = $"The {noun}" };
        var command = new Command(verb, description) { name, NodeConnections.NodeOption };
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using var client = NodeConnections.ConnectOne(parseResult);
            await client.SetPersistentState(request(parseResult.GetValue(name)!), cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
