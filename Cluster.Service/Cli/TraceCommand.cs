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
        var exclude = new Option<string[]>("--exclude") { Description = "Leave out methods matching this glob (repeatable): --exclude Pet --exclude Ping" };
        exclude.Validators.Add(result =>
        {
            foreach (var pattern in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (Validate(new CallFilter { ExcludeMethods = { pattern } }) is { } error)
                {
                    result.AddError($"--exclude: {error}");
                }
            }
        });
        var errors = new Option<bool>("--errors") { Description = "Only calls that ended with a status other than OK" };
        var slow = new Option<uint>("--slow") { Description = "Only calls that took at least this many milliseconds" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also print each call's deadline, metadata (secrets masked) and messages as JSON" };
        var json = new Option<bool>("--json") { Description = "One JSON object a line (grpc-dump's shape), for jq" };
        var trace = new Command("trace", "Show the gRPC calls between the cluster's processes (CLI -> node, node -> RHS), recorded by every node")
        {
            follow, since, NodeConnections.NodeOption, resource, group, method, exclude, errors, slow, verbose, json,
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
                ExcludeMethods = { parseResult.GetValue(exclude) ?? [] },
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

    /// <summary>
    /// What the live view of `cluster up` shows: the latest calls of every node that answers, without
    /// heartbeats, health checks and queries (the view's own among them), one readable line each.
    /// </summary>
    public static async Task<IReadOnlyList<string>> LatestCallsAsync(ParseResult parseResult, int count, CancellationToken cancellationToken)
    {
        var request = new TraceRequest
        {
            SinceUnixMs = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds(),
            Filter = new CallFilter { ExcludeMethods = { "Pet", "Ping", "*Alive", "List*", "Get*", "ResourceHost/WatchEvents" } },
        };
        // A node that is down or frozen shows nothing here: the view shows its state elsewhere.
        var answers = await Task.WhenAll(NodeConnections.ConnectAll(parseResult)
            .Select(client => ReadBacklogAsync(client, request, AdminClient.QueryTimeout, cancellationToken))).ConfigureAwait(false);
        return [.. answers.SelectMany(a => a.Records).OrderBy(r => r.TimeUnixUs).TakeLast(count).Select(r => CallRecordFormat.Line(r, verbose: false))];
    }

    /// <summary>One node's recorded calls as <paramref name="request"/> selects them; disposes the client. A node that fails says why.</summary>
    private static async Task<(string Node, List<CallRecord> Records, ClusterException? Error)> ReadBacklogAsync(
        AdminClient client, TraceRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using (client)
        {
            var records = new List<CallRecord>();
            try
            {
                await foreach (var record in client.Trace(request, timeout, cancellationToken).ConfigureAwait(false))
                {
                    records.Add(record);
                }

                return (client.NodeName, records, null);
            }
            catch (ClusterException e)
            {
                return (client.NodeName, records, e);
            }
        }
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

    /// <summary>
    /// What every node holds, merged in time order: a running node answers through its admin API; one
    /// that does not answer (killed, frozen) or no longer runs is read from the trace file it left.
    /// </summary>
    private static async Task<int> BacklogAsync(
        ParseResult parseResult, CallFilter filter, DateTimeOffset? from, Printer printer, TextWriter error, CancellationToken cancellationToken)
    {
        var directory = CommonOptions.ResolveDirectory(parseResult);
        var named = parseResult.GetValue(NodeConnections.NodeOption);
        var token = directory.ReadToken();
        var clients = directory.ReadNodeRecords().Where(r => named is null || r.Name == named).Select(r => AdminClient.Connect(r, token)).ToList();
        var request = new TraceRequest { SinceUnixMs = from?.ToUnixTimeMilliseconds() ?? 0, Filter = filter };
        var answers = new List<NodeAnswer>();
        foreach (var (node, records, failure) in await Task.WhenAll(clients.Select(c => ReadBacklogAsync(c, request, s_backlogTimeout, cancellationToken))).ConfigureAwait(false))
        {
            if (failure is { Kind: ClusterErrorKind.InvalidArgument })
            {
                throw failure; // the request itself is wrong: every node would say so
            }

            answers.Add(new NodeAnswer(node, records, failure is null ? null : NoteOf(node, failure), Answered: failure is null));
        }

        // Nodes that left a trace file but no longer run (stopped, or killed and not started again).
        var stopped = Directory.Exists(directory.TracesPath)
            ? Directory.GetFiles(directory.TracesPath, "*.trace").Select(f => Path.GetFileNameWithoutExtension(f))
                .Where(n => (named is null || n == named) && answers.All(a => a.Node != n))
            : [];
        answers.AddRange(stopped.Select(n => new NodeAnswer(n, [], $"note: node {n} is not running", Answered: false)));
        if (answers.Count == 0)
        {
            throw new ClusterUserException(named is null
                ? $"No node of the cluster in {directory.Root} is running, and none left a trace."
                : $"There is no node {named} in {directory.Root}.");
        }

        var fromFiles = answers.Where(a => !a.Answered).ToList();
        if (fromFiles.Count > 0)
        {
            var compiled = TraceFilter.From(filter);
            var groups = compiled.NeedsGroups ? await GroupsOfResourcesAsync(parseResult, cancellationToken).ConfigureAwait(false) : null;
            var since = (from?.ToUnixTimeMilliseconds() ?? 0) * 1000;
            foreach (var answer in fromFiles)
            {
                var path = TraceFile.PathOf(directory.TracesPath, answer.Node);
                answer.Records.AddRange(TraceFile.Read(directory.TracesPath, answer.Node)
                    .Where(r => r.TimeUnixUs >= since && compiled.Matches(r, groups?.GetValueOrDefault(r.Resource))));
                await error.WriteLineAsync(File.Exists(path)
                    ? $"{answer.Note}: showing what it wrote to {path}"
                    : $"{answer.Note}, and it left no trace file").ConfigureAwait(false);
            }
        }

        foreach (var record in answers.SelectMany(a => a.Records)
            .OrderBy(r => r.TimeUnixUs).ThenBy(r => r.Node, StringComparer.Ordinal).ThenBy(r => r.Sequence))
        {
            printer.Print(record);
        }

        return 0;
    }

    /// <summary>For a group filter over records read from files: which group each resource is in, from any node that answers.</summary>
    private static async Task<Dictionary<string, string>?> GroupsOfResourcesAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        try
        {
            return (await NodeConnections.ListResourcesAsync(parseResult, cancellationToken).ConfigureAwait(false))
                .ToDictionary(r => r.Name, r => r.Group, StringComparer.Ordinal);
        }
        catch (ClusterException)
        {
            return null; // no node answers: the records' own group fields are all there is
        }
    }

    private sealed record NodeAnswer(string Node, List<CallRecord> Records, string? Note, bool Answered);

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
        ClusterErrorKind.Unavailable or ClusterErrorKind.DeadlineExceeded => $"note: node {node} does not answer (down or frozen)",
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
