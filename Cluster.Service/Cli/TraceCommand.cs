using System.CommandLine;
using Cluster.Protocol;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Admin;
using Cluster.Service.Trace;

namespace Cluster.Service.Cli;

/// <summary>
/// `cluster trace`: the gRPC calls between the cluster's processes, as each node recorded them (its
/// admin API's calls, and its calls to its RHS processes), through the admin API's Trace stream.
/// </summary>
internal static class TraceCommand
{
    /// <summary>A node asked for its recorded calls answers from memory; one that cannot in this long is left out.</summary>
    private static readonly TimeSpan s_backlogTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often --follow looks for nodes that started (or started again) since it began.</summary>
    private static readonly TimeSpan s_nodeScan = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing calls as they happen, from every node (also nodes that start later), until Ctrl-C" };
        var since = SinceOption.Create("calls");
        var resource = new Option<string?>("--resource") { Description = "Only calls about this resource" };
        var group = new Option<string?>("--group") { Description = "Only calls about this group or one of its resources" };
        var method = new Option<string?>("--method") { Description = "Only methods matching this glob: Online, '*Alive', 'ResourceHost/*', '/cluster.admin.v1.ClusterAdmin/*'" };
        method.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && Validate(new CallFilter { Method = text }) is { } error)
            {
                result.AddError($"--method: {error}");
            }
        });
        var errors = new Option<bool>("--errors") { Description = "Only calls that ended with a status other than OK" };
        var slow = new Option<uint>("--slow") { Description = "Only calls that took at least this many milliseconds" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also print each call's deadline, metadata (secrets masked) and messages as JSON" };
        var json = new Option<bool>("--json") { Description = "One JSON object a line (grpc-dump's shape), for jq" };
        var trace = new Command("trace", "Show the gRPC calls between the cluster's processes (CLI -> node, node -> RHS), recorded by every node")
        {
            follow, since, NodeConnections.NodeOption, resource, group, method, errors, slow, verbose, json,
        };
        trace.SetHandler(async (parseResult, cancellationToken) =>
        {
            var filter = new CallFilter
            {
                Resource = parseResult.GetValue(resource) ?? string.Empty,
                Group = parseResult.GetValue(group) ?? string.Empty,
                Method = parseResult.GetValue(method) ?? string.Empty,
                ErrorsOnly = parseResult.GetValue(errors),
                SlowerThanMs = parseResult.GetValue(slow),
            };
            var from = SinceOption.ValueOf(parseResult, since, DateTimeOffset.UtcNow);
            var printer = new Printer(parseResult.InvocationConfiguration.Output, parseResult.GetValue(json), parseResult.GetValue(verbose));
            var error = parseResult.InvocationConfiguration.Error;
            return parseResult.GetValue(follow)
                ? await FollowAsync(parseResult, filter, from ?? DateTimeOffset.UtcNow, printer, error, cancellationToken).ConfigureAwait(false)
                : await BacklogAsync(parseResult, filter, from, printer, error, cancellationToken).ConfigureAwait(false);
        });
        return trace;
    }

    private static string? Validate(CallFilter filter)
    {
        try
        {
            TraceFilter.From(filter);
            return null;
        }
        catch (ClusterException e)
        {
            return e.Message;
        }
    }

    /// <summary>What every node holds, merged in time order.</summary>
    private static async Task<int> BacklogAsync(
        ParseResult parseResult, CallFilter filter, DateTimeOffset? from, Printer printer, TextWriter error, CancellationToken cancellationToken)
    {
        var clients = NodeConnections.ConnectAll(parseResult);
        if (clients.Count == 0)
        {
            throw new ClusterUserException($"No node of the cluster in {CommonOptions.ResolveDirectory(parseResult).Root} is running.");
        }

        var request = new TraceRequest { SinceUnixMs = from?.ToUnixTimeMilliseconds() ?? 0, Filter = filter };
        var answers = await Task.WhenAll(clients.Select(async client =>
        {
            using (client)
            {
                var records = new List<CallRecord>();
                try
                {
                    await foreach (var record in client.Trace(request, s_backlogTimeout, cancellationToken).ConfigureAwait(false))
                    {
                        records.Add(record);
                    }

                    return (client.NodeName, Records: records, Note: (string?)null);
                }
                catch (ClusterException e) when (e.Kind is not ClusterErrorKind.InvalidArgument)
                {
                    return (client.NodeName, Records: records, Note: NoteOf(client.NodeName, e));
                }
            }
        })).ConfigureAwait(false);

        foreach (var (_, _, note) in answers.Where(a => a.Note is not null))
        {
            await error.WriteLineAsync(note).ConfigureAwait(false);
        }

        foreach (var record in answers.SelectMany(a => a.Records)
            .OrderBy(r => r.TimeUnixUs).ThenBy(r => r.Node, StringComparer.Ordinal).ThenBy(r => r.Sequence))
        {
            printer.Print(record);
        }

        return answers.All(a => a.Note is not null) ? 1 : 0;
    }

    /// <summary>Every node's new calls as they are recorded, also from nodes that start (again) later, until Ctrl-C.</summary>
    private static async Task<int> FollowAsync(
        ParseResult parseResult, CallFilter filter, DateTimeOffset from, Printer printer, TextWriter error, CancellationToken cancellationToken)
    {
        var directory = CommonOptions.ResolveDirectory(parseResult);
        var token = directory.ReadToken();
        var named = parseResult.GetValue(NodeConnections.NodeOption);
        var followed = new Dictionary<string, FollowedNode>(StringComparer.Ordinal);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var record in directory.ReadNodeRecords().Where(r => named is null || r.Name == named))
                {
                    if (followed.TryGetValue(record.Name, out var node) && !node.Ended)
                    {
                        continue;
                    }

                    // A node seen again after its stream ended: the same process carries on after the last record seen;
                    // a new process (its PID changed) records afresh.
                    var next = node is not null && node.Pid == record.Pid ? node : new FollowedNode(record.Pid);
                    next.Start(AdminClient.Connect(record, token), filter, from, printer, error, cancellationToken);
                    followed[record.Name] = next;
                }

                await Task.Delay(s_nodeScan, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: the way a follow ends.
        }

        await Task.WhenAll(followed.Values.Select(n => n.Completion)).ConfigureAwait(false);
        return 0;
    }

    private static string NoteOf(string node, ClusterException error) => error.Kind switch
    {
        ClusterErrorKind.Unavailable or ClusterErrorKind.DeadlineExceeded => $"note: node {node} does not answer (down or frozen): its calls are left out",
        _ => $"note: node {node}: {error.Message}",
    };

    /// <summary>One node's live stream, resumed after its last record when it ends early (a dropped subscriber).</summary>
    private sealed class FollowedNode(int pid)
    {
        private long _lastSequence;
        private string? _lastNote;

        public int Pid { get; } = pid;

        public Task Completion { get; private set; } = Task.CompletedTask;

        public bool Ended => Completion.IsCompleted;

        public void Start(AdminClient client, CallFilter filter, DateTimeOffset from, Printer printer, TextWriter error, CancellationToken cancellationToken) =>
            Completion = RunAsync(client, filter, from, printer, error, cancellationToken);

        private async Task RunAsync(AdminClient client, CallFilter filter, DateTimeOffset from, Printer printer, TextWriter error, CancellationToken cancellationToken)
        {
            using (client)
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    var request = new TraceRequest
                    {
                        SinceUnixMs = _lastSequence == 0 ? from.ToUnixTimeMilliseconds() : 0,
                        AfterSequence = _lastSequence,
                        Follow = true,
                        Filter = filter,
                    };
                    try
                    {
                        await foreach (var record in client.Trace(request, null, cancellationToken).ConfigureAwait(false))
                        {
                            _lastSequence = record.Sequence;
                            _lastNote = null;
                            printer.Print(record);
                        }

                        return; // the node ended the stream: it is stopping
                    }
                    catch (ClusterException e) when (e.Kind == ClusterErrorKind.ResourceExhausted)
                    {
                        await NoteAsync(error, $"note: node {client.NodeName} dropped this trace ({e.Message}); picking up after its last record").ConfigureAwait(false);
                    }
                    catch (ClusterException e)
                    {
                        await NoteAsync(error, NoteOf(client.NodeName, e)).ConfigureAwait(false);
                        return; // tried again on the next scan of the nodes
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>A note once, not once a second while a node stays down.</summary>
        private async Task NoteAsync(TextWriter error, string note)
        {
            if (note != _lastNote)
            {
                _lastNote = note;
                await error.WriteLineAsync(note).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Prints records whole, one at a time, from however many nodes' streams.</summary>
    private sealed class Printer(TextWriter output, bool json, bool verbose)
    {
        private readonly Lock _lock = new();

        public void Print(CallRecord record)
        {
            var text = json ? CallRecordFormat.Json(record) : CallRecordFormat.Line(record, verbose);
            lock (_lock)
            {
                output.WriteLine(text);
                output.Flush();
            }
        }
    }
}
