using System.Diagnostics;
using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Protocol;
using Cluster.Protocol.Transport;
using Cluster.Protocol.Plugins;
using Cluster.Service.Bench;
using Cluster.Service.Monitors;
using Cluster.Tests.Support;

namespace Cluster.Tests.Monitors;

[TestFixture]
[NonParallelizable]
public sealed class RhsProcessTests
{
    private static string RhsPath => new MonitorOptions().RhsPath;

    [Test]
    public async Task Rhs_without_a_secret_refuses_to_start()
    {
        using var rhs = Process.Start(new ProcessStartInfo(RhsPath) { RedirectStandardError = true, RedirectStandardInput = true })!;
        var error = await rhs.StandardError.ReadToEndAsync();
        await rhs.WaitForExitAsync();

        Assert.That(rhs.ExitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("CLUSTER_RHS_SECRET is not set"));
    }

    [Test]
    public async Task Rhs_refuses_calls_without_its_secret()
    {
        await using var rhs = await StartBareRhsAsync();

        foreach (var token in new[] { null, "a-guess" })
        {
            using var stranger = new RhsClient(GrpcConnection.Open(rhs.Handshake.Endpoint, new GrpcConnectionOptions { BearerToken = token }));
            var error = Assert.ThrowsAsync<ClusterException>(() => stranger.Ping(TimeSpan.FromSeconds(30)));
            Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.Unauthenticated), token ?? "no token");
        }

        using var node = new RhsClient(GrpcConnection.Open(rhs.Handshake.Endpoint, new GrpcConnectionOptions { BearerToken = "the-secret" }));
        Assert.That((await node.Ping(TimeSpan.FromSeconds(30))).Pid, Is.EqualTo(rhs.Pid));
    }

    [Test]
    public async Task Rhs_that_is_not_petted_again_in_time_fences_itself_and_says_why()
    {
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var rhs = await StartBareRhsAsync(output.Enqueue);
        using var node = new RhsClient(GrpcConnection.Open(rhs.Handshake.Endpoint, new GrpcConnectionOptions { BearerToken = "the-secret" }));

        await node.Pet(TimeSpan.FromMilliseconds(300), 0);

        Assert.That(await rhs.Exited.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(RhsProcess.FencedExitCode));
        await Eventually.Until(() => output.Any(line => line.Contains("no pet from the node", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "the reason on stderr");
    }

    [Test]
    public async Task Rhs_petted_with_lines_on_its_stdin_vouches_for_that_lease_and_fences_when_they_stop()
    {
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var rhs = await StartBareRhsAsync(output.Enqueue);
        using var node = new RhsClient(GrpcConnection.Open(rhs.Handshake.Endpoint, new GrpcConnectionOptions { BearerToken = "the-secret" }));
        var type = MonitorHarness.BuiltIn("FaultInjection");
        await node.LoadType(new LoadTypeRequest { Type = type }, TimeSpan.FromSeconds(30));
        await node.Open(new OpenRequest { Resource = "r", Type = type }, TimeSpan.FromSeconds(30));

        rhs.SendLine("pet 12 nonsense");
        rhs.SendLine(Cluster.Protocol.Rhs.PetLine.Format(TimeSpan.FromSeconds(2), 12));
        // The line is not ordered with calls: ask until the pet has arrived.
        var online = await Eventually.Until(async () =>
        {
            try
            {
                return await node.Online(new OnlineRequest { Resource = "r", Lease = 12 }, TimeSpan.FromSeconds(30));
            }
            catch (ClusterException e) when (e.Message.Contains("has not been petted yet", StringComparison.Ordinal))
            {
                return null;
            }
        }, TimeSpan.FromSeconds(10), "Online under the lease the line vouched for");

        Assert.That(online.State, Is.EqualTo(ResourceState.Online));
        Assert.That(await rhs.Exited.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(RhsProcess.FencedExitCode), "no pet after the one 2 s pet: fenced");
        await Eventually.Until(() => output.Any(line => line.Contains("ignored a line from the node: a pet line needs a lease and a number of milliseconds", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(5), "the malformed line named on stderr");
    }

    [Test]
    public async Task Rhs_that_was_never_petted_stays_armed_off_and_idle()
    {
        await using var rhs = await StartBareRhsAsync();
        var before = CpuTicks(rhs.Pid);
        var wall = Stopwatch.StartNew();
        await Eventually.Until(() => wall.Elapsed > TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), "two seconds of idling");
        var used = (CpuTicks(rhs.Pid) - before) / 100.0; // USER_HZ is 100 on Linux

        Assert.That(rhs.Exited.IsCompleted, Is.False, "no pet, no fence");
        // A watchdog that spins instead of waiting burns a whole core: as many CPU seconds as wall seconds.
        Assert.That(used, Is.LessThan(wall.Elapsed.TotalSeconds / 2), $"CPU seconds used while idle over {wall.Elapsed.TotalSeconds:0.0} s");
    }

    [Test]
    public async Task Rhs_starts_nothing_under_a_lease_its_pets_do_not_vouch_for()
    {
        await using var rhs = await StartBareRhsAsync();
        using var node = new RhsClient(GrpcConnection.Open(rhs.Handshake.Endpoint, new GrpcConnectionOptions { BearerToken = "the-secret" }));
        var type = MonitorHarness.BuiltIn("FaultInjection");
        await node.LoadType(new LoadTypeRequest { Type = type }, TimeSpan.FromSeconds(30));
        await node.Open(new OpenRequest { Resource = "r", Type = type }, TimeSpan.FromSeconds(30));

        var unpetted = Assert.ThrowsAsync<ClusterException>(() => node.Online(new OnlineRequest { Resource = "r", Lease = 4 }, TimeSpan.FromSeconds(30)));
        await node.Pet(TimeSpan.FromSeconds(60), 5);
        var stale = Assert.ThrowsAsync<ClusterException>(() => node.Online(new OnlineRequest { Resource = "r", Lease = 4 }, TimeSpan.FromSeconds(30)));
        var current = await node.Online(new OnlineRequest { Resource = "r", Lease = 5 }, TimeSpan.FromSeconds(30));

        Assert.That(unpetted!.Message, Does.Contain("Online of r under lease 4 refused: this RHS has not been petted yet"));
        Assert.That(stale!.Kind, Is.EqualTo(ClusterErrorKind.FailedPrecondition));
        Assert.That(stale.Message, Does.Contain("under lease 4 refused: this RHS was last petted under lease 5"));
        Assert.That(current.State, Is.EqualTo(ResourceState.Online));
    }

    [Test]
    public async Task Rhs_ignores_a_terminals_ctrl_c_its_node_ends_it()
    {
        await using var rhs = await StartBareRhsAsync();
        using var node = new RhsClient(GrpcConnection.Open(rhs.Handshake.Endpoint, new GrpcConnectionOptions { BearerToken = "the-secret" }));

        Process.Start("kill", ["-INT", rhs.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

        // Without the handler .NET ends the process on SIGINT at once; give it a second to do so, and ask it something.
        Assert.That(await Task.WhenAny(rhs.Exited, Task.Delay(TimeSpan.FromSeconds(1))), Is.Not.SameAs(rhs.Exited), "still running");
        await node.Ping(TimeSpan.FromSeconds(30));
    }

    [Test]
    public async Task Rhs_answers_a_ping_line_on_its_stdout_with_its_pid_and_the_calls_it_has_in_flight()
    {
        await using var rhs = await RhsProcess.StartAsync(new MonitorOptions(), CancellationToken.None);
        var type = MonitorHarness.BuiltIn("FaultInjection");
        await rhs.Client.LoadType(new LoadTypeRequest { Type = type }, TimeSpan.FromSeconds(30));
        await rhs.Client.Open(new OpenRequest { Resource = "stuck", Type = type, Properties = { ["HangIn"] = "Online" } }, TimeSpan.FromSeconds(30));
        await rhs.Client.Pet(TimeSpan.FromSeconds(120), 5);

        Assert.That((await rhs.PingAsync(TimeSpan.FromSeconds(30))).Pid, Is.EqualTo(rhs.Pid));
        var online = rhs.Client.Online(new OnlineRequest { Resource = "stuck", Lease = 5 }, TimeSpan.FromSeconds(120));
        var hung = await Eventually.Until(async () =>
            (await rhs.PingAsync(TimeSpan.FromSeconds(30))).Calls.FirstOrDefault(c => c.Resource == "stuck" && c.RunningMs >= 200),
            TimeSpan.FromSeconds(30), "the hung Online in a pong's calls");

        Assert.That(hung.EntryPoint, Is.EqualTo("Online"));
        Assert.That(online.IsCompleted, Is.False, "it hangs");
    }

    [Test]
    public async Task A_frozen_rhs_misses_its_ping_and_one_that_exited_is_unavailable()
    {
        await using var rhs = await RhsProcess.StartAsync(new MonitorOptions(), CancellationToken.None);
        await rhs.PingAsync(TimeSpan.FromSeconds(30));

        Signals.Freeze(rhs.Pid);
        try
        {
            await Eventually.Until(() => ProcFs.IsStopped(rhs.Pid), TimeSpan.FromSeconds(10), "every thread of the RHS stopped");
            var missed = Assert.ThrowsAsync<ClusterException>(() => rhs.PingAsync(TimeSpan.FromMilliseconds(300)),
                $"a frozen RHS answered (stopped: {ProcFs.IsStopped(rhs.Pid)})");
            Assert.That(missed!.Kind, Is.EqualTo(ClusterErrorKind.DeadlineExceeded));
            Assert.That(missed.Message, Does.Contain($"RHS process {rhs.Pid} did not answer ping").And.Contain("within 300 ms"));
        }
        finally
        {
            Signals.Thaw(rhs.Pid);
        }

        Assert.That((await rhs.PingAsync(TimeSpan.FromSeconds(30))).Pid, Is.EqualTo(rhs.Pid), "thawed, it answers again");
        rhs.Kill();
        await rhs.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        var gone = Assert.ThrowsAsync<ClusterException>(() => rhs.PingAsync(TimeSpan.FromSeconds(30)));
        Assert.That(gone!.Kind, Is.EqualTo(ClusterErrorKind.Unavailable));
    }

    [Test]
    public async Task Rhs_names_a_malformed_ping_line_and_keeps_answering()
    {
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var rhs = await StartBareRhsAsync(output.Enqueue);

        rhs.SendLine("ping soon");
        rhs.SendLine(Cluster.Protocol.Rhs.PingLine.Format(9));

        await Eventually.Until(() => output.Any(line => line.StartsWith("CLUSTER-PONG|9|", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the pong to ping 9");
        await Eventually.Until(() => output.Any(line => line.Contains("ignored a line from the node: a ping line needs a sequence number: 'ping soon'", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(5), "the malformed line named on stderr");
    }

    [Test]
    public async Task Lines_to_a_frozen_rhs_never_block_the_sender_even_once_its_pipe_is_full()
    {
        // A pet is written in place when the pipe has room: with none left (a frozen child), the sender must
        // still return at once. Twenty thousand pets are four times what the pipe holds.
        await using var rhs = await StartBareRhsAsync();
        var pet = Cluster.Protocol.Rhs.PetLine.Format(TimeSpan.FromMinutes(10), 3);
        Signals.Freeze(rhs.Pid);
        try
        {
            var sending = Task.Factory.StartNew(() =>
            {
                for (var i = 0; i < 20_000; i++)
                {
                    rhs.SendLine(pet);
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            Assert.That(await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(60))), Is.SameAs(sending), "the sender was blocked by a full pipe");
        }
        finally
        {
            Signals.Thaw(rhs.Pid);
        }

        rhs.SendLine(Cluster.Protocol.Rhs.PingLine.Format(1));
        Assert.That(rhs.Exited.IsCompleted, Is.False, "thawed, it reads on");
    }

    /// <summary>An RHS with no node behind it: its secret is "the-secret"; it is never petted unless the test does.</summary>
    private static Task<PluginProcess> StartBareRhsAsync(Action<string>? onOutput = null) =>
        PluginProcess.StartAsync(new PluginStartInfo
        {
            FileName = RhsPath,
            Kind = "rhs",
            Environment = { ["CLUSTER_RHS_SECRET"] = "the-secret" },
            OnOutput = onOutput,
        });

    /// <summary>utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15).</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }

    [TestCase("/nonexistent/Nothing.dll", "FaultInjection", ClusterErrorKind.FailedPrecondition, "does not exist")]
    [TestCase("SELF_TEXT", "FaultInjection", ClusterErrorKind.FailedPrecondition, "does not load")]
    [TestCase("BUILTIN", "NoSuchType", ClusterErrorKind.NotFound, "has no resource type 'NoSuchType' (it has: ")]
    public async Task Bad_resource_type_is_a_clear_error(string dll, string type, ClusterErrorKind code, string message)
    {
        var path = dll switch
        {
            "BUILTIN" => MonitorHarness.BuiltIn(type).DllPath,
            "SELF_TEXT" => Path.Combine(PythonGrpc.InteropDirectory, "interop.proto"),
            _ => dll,
        };
        await using var harness = await MonitorHarness.StartAsync();

        var error = Assert.ThrowsAsync<ClusterException>(() => harness.Manager.LoadTypeAsync(new ResourceTypeRef { Name = type, DllPath = path }));

        Assert.That(error!.Kind, Is.EqualTo(code));
        Assert.That(error!.Message, Does.Contain(message));
        if (dll != "BUILTIN")
        {
            Assert.That(error!.Message, Does.Contain(path), "names the DLL");
        }

        // The RHS survived it.
        Assert.That((await harness.Manager.LoadTypeAsync(MonitorHarness.BuiltIn("FaultInjection"))).Name, Is.EqualTo("FaultInjection"));
    }

    [TestCase("NoSuchProperty", "1", "has no property NoSuchProperty")]
    [TestCase("OnlineDelayMs", "soon", "must be an integer, not 'soon'")]
    [TestCase("OnlineDelayMs", "-5", "must be between 0 and 3600000")]
    [TestCase("FailOnline", "maybe", "must be true or false")]
    public async Task Bad_property_is_a_clear_error_and_opens_nothing(string name, string value, string message)
    {
        await using var harness = await MonitorHarness.StartAsync();

        var error = Assert.ThrowsAsync<ClusterException>(() =>
            harness.Manager.OpenAsync(MonitorHarness.Spec("r1", "FaultInjection", new() { [name] = value })));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.InvalidArgument));
        Assert.That(error!.Message, Does.Contain(message).And.Contain("r1"));
        Assert.That(harness.Manager.ListResources(), Is.Empty);
    }

    [Test]
    public async Task Missing_required_property_is_a_clear_error()
    {
        await using var harness = await MonitorHarness.StartAsync();

        var error = Assert.ThrowsAsync<ClusterException>(() => harness.Manager.OpenAsync(MonitorHarness.Spec("app", "GenericApplication")));

        Assert.That(error!.Message, Does.Contain("requires property CommandLine"));
    }

    [Test]
    public async Task Live_behaviour_change_through_ResourceControl_is_validated()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("fi", "FaultInjection"));

        var bad = Assert.ThrowsAsync<ClusterException>(() => harness.Manager.ControlAsync("fi", "Set", new Dictionary<string, string> { ["FailOnline"] = "sometimes" }));
        Assert.That(bad!.Kind, Is.EqualTo(ClusterErrorKind.InvalidArgument));
        var output = await harness.Manager.ControlAsync("fi", "Set", new Dictionary<string, string> { ["FailOnline"] = "true" });
        Assert.That(output["FailOnline"], Is.EqualTo("true"));

        await harness.Manager.OfflineAsync("fi");
        Assert.That(await harness.Manager.OnlineAsync("fi"), Is.EqualTo(ResourceState.Failed));
    }

    [Test]
    public async Task Stopped_rhs_that_cannot_answer_its_ping_is_treated_as_deadlocked()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("fi", "FaultInjection"));
        var pid = harness.Manager.ListMonitors().Single().Pid!.Value;

        Process.Start("kill", ["-STOP", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();

        var terminated = await harness.WaitForAsync(e => e.Kind == MonitorEventKind.RhsTerminated && e.Pid == pid, "the wedged RHS replaced");
        Assert.That(terminated.Cause, Does.Contain("health ping"));
        await harness.WaitForAsync(e => e.Resource == "fi" && e.NewState == ResourceState.Failed, "its resource failed");
    }
}
