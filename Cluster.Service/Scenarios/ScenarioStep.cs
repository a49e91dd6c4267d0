namespace Cluster.Service.Scenarios;

/// <summary>One step of a scenario, with where it stands in its file.</summary>
internal abstract record ScenarioStep(int Line)
{
    /// <summary>For an action: the step passes only if the cluster refuses it with a message containing this.</summary>
    public string? Refused { get; init; }

    /// <summary>What the step does, as the runner prints it ("kill application web-app").</summary>
    public abstract string Describe();
}

/// <summary>Which process a signal goes to: a node, the RHS that hosts a resource, a resource's application, or a process the scenario started.</summary>
internal enum ProcessKind
{
    Node,
    Rhs,
    Application,
    Exec,
}

internal enum SignalKind
{
    Kill,
    Freeze,
    Thaw,
}

/// <param name="Kind">What kind of process.</param>
/// <param name="Name">The node's name, the resource's (for an RHS or an application), or the exec step's.</param>
/// <param name="Node">For an RHS or an application: the node it is on; null: wherever the resource is hosted.</param>
internal sealed record ProcessTarget(ProcessKind Kind, string Name, string? Node)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {Name}{(Node is null ? string.Empty : $" on {Node}")}";
}

internal sealed record SignalStep(int Line, SignalKind Signal, ProcessTarget Target) : ScenarioStep(Line)
{
    public override string Describe() => $"{Signal.ToString().ToLowerInvariant()} {Target}";
}

/// <summary>Starts a node again (after a kill), with the scenario's node options.</summary>
internal sealed record StartNodeStep(int Line, string Node) : ScenarioStep(Line)
{
    public override string Describe() => $"start node {Node}";
}

/// <summary>Cuts a node off from the cluster store (isolate) or gives it back (rejoin).</summary>
internal sealed record IsolateStep(int Line, string Node, bool Isolated) : ScenarioStep(Line)
{
    public override string Describe() => $"{(Isolated ? "isolate" : "rejoin")} node {Node}";
}

internal sealed record PauseStep(int Line, string Node, bool Drain) : ScenarioStep(Line)
{
    public override string Describe() => $"{(Drain ? "drain" : "pause")} node {Node}";
}

internal sealed record ResumeStep(int Line, string Node, bool Failback) : ScenarioStep(Line)
{
    public override string Describe() => $"resume node {Node}{(Failback ? " with failback" : string.Empty)}";
}

internal sealed record MoveStep(int Line, string Group, string? To) : ScenarioStep(Line)
{
    public override string Describe() => $"move group {Group}{(To is null ? string.Empty : $" to {To}")}";
}

internal sealed record FailStep(int Line, string Resource) : ScenarioStep(Line)
{
    public override string Describe() => $"fail resource {Resource}";
}

internal enum SubjectKind
{
    Group,
    Resource,
    Node,
}

/// <summary>Sets common or private properties of a group, a resource or a node (as `cluster ... set` does).</summary>
internal sealed record SetStep(int Line, SubjectKind Kind, string Name, IReadOnlyDictionary<string, string> Settings) : ScenarioStep(Line)
{
    public override string Describe() =>
        $"set {Kind.ToString().ToLowerInvariant()} {Name} {string.Join(' ', Settings.Select(s => $"{s.Key}={s.Value}"))}";
}

/// <summary>A resource control code to the resource's DLL (FaultInjection: Hang, Crash, Slow, Set...).</summary>
internal sealed record ControlStep(int Line, string Resource, string Code, IReadOnlyDictionary<string, string> Arguments) : ScenarioStep(Line)
{
    public override string Describe() =>
        $"control {Resource} {Code}{string.Concat(Arguments.Select(a => $" {a.Key}={a.Value}"))}";
}

/// <summary>An administrator's Online or Offline of a group or a resource (its persistent state).</summary>
internal sealed record PersistentStateStep(int Line, SubjectKind Kind, string Name, bool Online) : ScenarioStep(Line)
{
    public override string Describe() => $"{(Online ? "online" : "offline")} {Kind.ToString().ToLowerInvariant()} {Name}";
}

internal sealed record WaitStep(int Line, TimeSpan Duration) : ScenarioStep(Line)
{
    public override string Describe() => $"wait {ScenarioDurations.Format(Duration)}";
}

/// <summary>Starts a process by hand, outside the cluster (a second copy of an application, say); it is killed when the run ends.</summary>
internal sealed record ExecStep(int Line, string Name, string CommandLine) : ScenarioStep(Line)
{
    public override string Describe() => $"exec {Name}: {CommandLine}";
}

/// <summary>
/// Waits until every predicate has held, each at some moment between the last action's start and
/// <see cref="Within"/> after it (moments before this step began count: the runner keeps the history).
/// </summary>
internal sealed record ExpectStep(int Line, IReadOnlyList<Predicate> Predicates, TimeSpan Within) : ScenarioStep(Line)
{
    public override string Describe() => $"expect {string.Join("; ", Predicates.Select(p => p.Describe()))} within {ScenarioDurations.Format(Within)}";
}
