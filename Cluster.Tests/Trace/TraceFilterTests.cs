using Cluster.Protocol;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Trace;

namespace Cluster.Tests.Trace;

public class TraceFilterTests
{
    private static readonly CallRecord Online = new()
    {
        Kind = "call", Method = "/cluster.rhs.v1.ResourceHost/Online", Resource = "web-app", Status = "OK", DurationMs = 12,
    };

    private static readonly CallRecord FailedIsAlive = new()
    {
        Kind = "call", Method = "/cluster.rhs.v1.ResourceHost/IsAlive", Resource = "db", Status = "DEADLINE_EXCEEDED", DurationMs = 1000,
    };

    private static readonly CallRecord Move = new()
    {
        Kind = "call", Method = "/cluster.admin.v1.ClusterAdmin/MoveGroup", Group = "web", Status = "OK", DurationMs = 3,
    };

    private static readonly CallRecord StreamMessage = new()
    {
        Kind = "message", Method = "/cluster.rhs.v1.ResourceHost/WatchEvents", Resource = "db",
    };

    private static readonly CallRecord[] All = [Online, FailedIsAlive, Move, StreamMessage];

    private static IEnumerable<CallRecord> Selected(CallFilter filter, Func<CallRecord, string?>? groupOf = null)
    {
        var compiled = TraceFilter.From(filter);
        return All.Where(r => compiled.Matches(r, groupOf?.Invoke(r)));
    }

    [TestCase("Online")]
    [TestCase("online")]
    [TestCase("ResourceHost/Online")]
    [TestCase("/cluster.rhs.v1.ResourceHost/Online")]
    [TestCase("*Line")]
    [TestCase("Onl?ne")]
    public void Method_glob_matches_the_full_path_service_and_method_or_method_alone(string pattern) =>
        Assert.That(Selected(new CallFilter { Method = pattern }), Is.EqualTo(new[] { Online }));

    [Test]
    public void Method_glob_selects_a_whole_service() =>
        Assert.That(Selected(new CallFilter { Method = "ResourceHost/*" }), Is.EqualTo(new[] { Online, FailedIsAlive, StreamMessage }));

    [Test]
    public void Exclude_leaves_out_every_method_matching_any_of_its_globs() =>
        Assert.That(Selected(new CallFilter { ExcludeMethods = { "*Alive", "ClusterAdmin/*" } }), Is.EqualTo(new[] { Online, StreamMessage }));

    [Test]
    public void Bad_exclude_pattern_is_refused_naming_it()
    {
        var error = Assert.Throws<ClusterException>(() => TraceFilter.From(new CallFilter { ExcludeMethods = { "Ping", "P|et" } }));
        Assert.That(error!.Message, Does.Contain("'P|et'"));
    }

    [Test]
    public void Empty_filter_selects_everything() =>
        Assert.That(Selected(new CallFilter()), Is.EqualTo(All));

    [Test]
    public void Errors_selects_calls_that_did_not_end_ok() =>
        Assert.That(Selected(new CallFilter { ErrorsOnly = true }), Is.EqualTo(new[] { FailedIsAlive }));

    [Test]
    public void Slow_selects_calls_that_took_at_least_that_long() =>
        Assert.That(Selected(new CallFilter { SlowerThanMs = 12 }), Is.EqualTo(new[] { Online, FailedIsAlive }));

    [Test]
    public void Resource_selects_calls_and_messages_about_it() =>
        Assert.That(Selected(new CallFilter { Resource = "db" }), Is.EqualTo(new[] { FailedIsAlive, StreamMessage }));

    [Test]
    public void Group_selects_calls_naming_it_and_calls_about_its_resources() =>
        Assert.That(
            Selected(new CallFilter { Group = "web" }, r => r.Resource == "web-app" ? "web" : null),
            Is.EqualTo(new[] { Online, Move }));

    [TestCase("Online;rm")]
    [TestCase("[OW]*")]
    [TestCase("a b")]
    public void Method_pattern_with_other_characters_is_refused_naming_it(string pattern)
    {
        var error = Assert.Throws<ClusterException>(() => TraceFilter.From(new CallFilter { Method = pattern }));
        Assert.Multiple(() =>
        {
            Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.InvalidArgument));
            Assert.That(error.Message, Does.Contain($"'{pattern}'"));
        });
    }

    [Test]
    public void Negative_slow_is_refused()
    {
        var error = Assert.Throws<ClusterException>(() => TraceFilter.From(new CallFilter { SlowerThanMs = -1 }));
        Assert.That(error!.Message, Does.Contain("slower_than_ms must be 0 or more, not -1"));
    }
}
