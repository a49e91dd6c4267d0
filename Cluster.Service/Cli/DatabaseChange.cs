using System.CommandLine;
using Cluster.Protocol.Admin.V1;
using Google.Protobuf;

namespace Cluster.Service.Cli;

/// <summary>Sends one change of the cluster database to any node and prints what it changed.</summary>
internal static class DatabaseChange
{
    public static async Task<int> SendAsync<TRequest>(ParseResult parseResult, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
    {
        using var client = await NodeConnections.ConnectAnyAsync(parseResult, cancellationToken).ConfigureAwait(false);
        var response = await client.Change(request, cancellationToken).ConfigureAwait(false);
        var output = parseResult.InvocationConfiguration.Output;
        if (response.Changes.Count == 0)
        {
            await output.WriteLineAsync("unchanged").ConfigureAwait(false);
        }

        foreach (var change in response.Changes)
        {
            await output.WriteLineAsync(change).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>NAME=VALUE settings as one argument list (`group set`, `resource set`).</summary>
    public static Argument<string[]> SettingsArgument(string description)
    {
        var settings = new Argument<string[]>("settings") { Description = description, Arity = ArgumentArity.OneOrMore };
        settings.Validators.Add(PropertyArguments.Validate);
        return settings;
    }
}
