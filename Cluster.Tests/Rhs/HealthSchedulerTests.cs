using Cluster.Rhs.Health;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Tests.Rhs;

/// <summary>The RHS's health-check schedule over many resources, on a fake clock: no processes, no threads.</summary>
[TestFixture]
public sealed class HealthSchedulerTests
{
    private FakeTimeProvider _clock = null!;
    private DateTimeOffset _start;
    private List<(string Resource, string Why)> _failed = null!;
    private HealthScheduler _scheduler = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeTimeProvider();
        _start = _clock.GetUtcNow();
        _failed = [];
        _scheduler = new HealthScheduler(_clock, (resource, why) => _failed.Add((resource, why)), TimeSpan.Zero);
    }

    [TearDown]
    public void TearDown() => _scheduler.Dispose();

    [Test]
    public void Each_resource_is_checked_at_its_own_intervals_counted_from_when_it_was_watched()
    {
        var fast = new Probe("fast", looksAliveMs: 1_000, isAliveMs: 5_000, Since);
        var slow = new Probe("slow", looksAliveMs: 60_000, isAliveMs: 5_000, Since);
        _scheduler.Watch(fast);
        Advance(TimeSpan.FromMilliseconds(500));
        _scheduler.Watch(slow);

        Advance(TimeSpan.FromSeconds(120)); // now 120.5 s

        Assert.That(fast.Count(HealthCheck.LooksAlive), Is.EqualTo(120));
        Assert.That(fast.Count(HealthCheck.IsAlive), Is.EqualTo(24));
        Assert.That(slow.Calls.Where(c => c.Check == HealthCheck.LooksAlive).Select(c => c.At.TotalMilliseconds), Is.EqualTo(new[] { 60_500.0, 120_500 }));
        Assert.That(slow.Count(HealthCheck.IsAlive), Is.EqualTo(24));
        Assert.That(slow.Calls.Where(c => c.Check == HealthCheck.IsAlive).Select(c => c.At.TotalMilliseconds).Take(2), Is.EqualTo(new[] { 5_500.0, 10_500 }));
    }

    [Test]
    public void A_false_LooksAlive_brings_IsAlive_at_once()
    {
        var probe = new Probe("db", 1_000, 60_000, Since) { LooksAlive = at => at != TimeSpan.FromSeconds(3) };
        _scheduler.Watch(probe);

        Advance(TimeSpan.FromSeconds(4));

        Assert.That(probe.Calls.Select(c => (c.Check, c.At.TotalSeconds)), Is.EqualTo(new[]
        {
            (HealthCheck.LooksAlive, 1.0), (HealthCheck.LooksAlive, 2), (HealthCheck.LooksAlive, 3), (HealthCheck.IsAlive, 3), (HealthCheck.LooksAlive, 4),
        }));
        Assert.That(_failed, Is.Empty, "IsAlive said alive");
    }

    [Test]
    public void A_failed_IsAlive_is_reported_once_with_why_and_the_resource_is_checked_no_more()
    {
        var probe = new Probe("db", 1_000, 2_000, Since) { IsAlive = at => at < TimeSpan.FromSeconds(4), Why = "port 1433 closed" };
        _scheduler.Watch(probe);

        Advance(TimeSpan.FromSeconds(30));

        Assert.That(_failed, Is.EqualTo(new[] { ("db", "port 1433 closed") }));
        Assert.That(probe.Calls.Last(), Is.EqualTo((HealthCheck.IsAlive, TimeSpan.FromSeconds(4))));
        Assert.That(_scheduler.IsWatching("db"), Is.False);
    }

    [Test]
    public void Unwatched_resources_are_not_checked_and_a_late_answer_is_dropped()
    {
        var probe = new Probe("db", looksAliveMs: 1_000, isAliveMs: 2_000, Since) { Hold = true };
        _scheduler.Watch(probe);
        Advance(TimeSpan.FromSeconds(2)); // IsAlive at 2 s is running, unanswered
        Assert.That(probe.Calls, Has.Count.EqualTo(1));

        _scheduler.Unwatch("db");
        probe.AnswerHeld(alive: false);
        Advance(TimeSpan.FromSeconds(30));

        Assert.That(probe.Calls, Has.Count.EqualTo(1));
        Assert.That(_failed, Is.Empty, "the answer of a check of a resource no longer watched is nobody's business");
    }

    [Test]
    public void A_check_that_hangs_stops_its_own_schedule_only()
    {
        var hangs = new Probe("hangs", looksAliveMs: 1_000, isAliveMs: 5_000, Since) { Hold = true };
        var healthy = new Probe("healthy", looksAliveMs: 1_000, isAliveMs: 5_000, Since);
        _scheduler.Watch(hangs);
        _scheduler.Watch(healthy);

        Advance(TimeSpan.FromSeconds(10));

        Assert.That(hangs.Calls, Has.Count.EqualTo(1), "one check at a time per resource");
        Assert.That(healthy.Count(HealthCheck.LooksAlive), Is.EqualTo(10));

        hangs.Hold = false;
        hangs.AnswerHeld(alive: true);
        Advance(TimeSpan.FromSeconds(1));
        Assert.That(hangs.Calls.Select(c => (c.Check, c.At.TotalSeconds)), Is.EqualTo(new[]
        {
            (HealthCheck.LooksAlive, 1.0), (HealthCheck.IsAlive, 10), (HealthCheck.LooksAlive, 11),
        }), "once it returns: the IsAlive it missed, once, at once, then the cadence; no burst of the missed LooksAlive");
    }

    [Test]
    public void Watching_again_restarts_the_schedule_from_then_and_watching_twice_changes_nothing()
    {
        var probe = new Probe("db", looksAliveMs: 1_000, isAliveMs: 60_000, Since);
        _scheduler.Watch(probe);
        Advance(TimeSpan.FromMilliseconds(1_500));
        _scheduler.Watch(probe); // already watched: the cadence stays
        Advance(TimeSpan.FromMilliseconds(500));
        Assert.That(probe.Calls.Select(c => c.At.TotalMilliseconds), Is.EqualTo(new[] { 1_000.0, 2_000 }));

        _scheduler.Unwatch("db");
        Advance(TimeSpan.FromMilliseconds(300));
        _scheduler.Watch(probe); // Online again at 2.3 s
        Advance(TimeSpan.FromMilliseconds(1_000));

        Assert.That(probe.Calls.Select(c => c.At.TotalMilliseconds), Is.EqualTo(new[] { 1_000.0, 2_000, 3_300 }));
    }

    [Test]
    public void Rewatching_with_new_intervals_starts_the_schedule_again_from_then_and_leaves_an_unwatched_resource_alone()
    {
        var probe = new Probe("db", 1_000, 60_000, Since);
        _scheduler.Watch(probe);
        Advance(TimeSpan.FromMilliseconds(2_500));
        probe.LooksAliveInterval = TimeSpan.FromMilliseconds(300);

        _scheduler.Rewatch(probe);
        Advance(TimeSpan.FromMilliseconds(1_000));

        Assert.That(probe.Calls.Select(c => c.At.TotalMilliseconds), Is.EqualTo(new[] { 1_000.0, 2_000, 2_800, 3_100, 3_400 }));
        _scheduler.Unwatch("db");
        _scheduler.Rewatch(probe);
        Advance(TimeSpan.FromSeconds(5));
        Assert.That(probe.Calls, Has.Count.EqualTo(5), "not Online: new intervals do not start checks");
    }

    [Test]
    public void Thousands_of_resources_share_one_timer_and_each_is_checked_on_time()
    {
        var probes = Enumerable.Range(0, 2_000).Select(i => new Probe($"r{i}", looksAliveMs: 1_000, isAliveMs: 5_000, Since)).ToList();
        foreach (var probe in probes)
        {
            _scheduler.Watch(probe);
            Advance(TimeSpan.FromMilliseconds(1)); // they came online over two seconds
        }

        Advance(TimeSpan.FromSeconds(10));

        Assert.That(probes.Select(p => p.Count(HealthCheck.IsAlive)), Is.All.EqualTo(2));
        Assert.That(probes.Select(p => p.Count(HealthCheck.LooksAlive)), Is.EqualTo(probes.Select((_, i) => (12_000 - i) / 1_000)),
            "resource i came online at i ms; now is 12 s");
        Assert.That(probes.SelectMany(p => p.Calls.Select(c => c.At.Ticks % TimeSpan.TicksPerMillisecond)), Is.All.EqualTo(0),
            "every check ran at the instant it was due");
    }

    [Test]
    public void Checks_due_within_the_coalescing_window_share_one_wake_up_and_keep_their_cadence()
    {
        using var scheduler = new HealthScheduler(_clock, (resource, why) => _failed.Add((resource, why)), TimeSpan.FromMilliseconds(10));
        var probes = Enumerable.Range(0, 1_000).Select(i => new Probe($"r{i}", 1_000, 5_000, Since)).ToList();
        foreach (var probe in probes)
        {
            scheduler.Watch(probe);
            Advance(TimeSpan.FromMilliseconds(1)); // one a millisecond: a thousand distinct instants
        }

        Advance(TimeSpan.FromSeconds(59));

        var instants = probes.SelectMany(p => p.Calls.Select(c => c.At)).Where(at => at > TimeSpan.FromSeconds(2)).Distinct().Count();
        // About one wake-up per 10 ms window, plus one for the LooksAlive that follows an IsAlive due at the same
        // instant; without coalescing, each of the thousand resources would have its own: 58,000.
        Assert.That(instants, Is.LessThan(58 * 1_000 / 8));
        Assert.That(probes.Select(p => p.Count(HealthCheck.LooksAlive)), Is.All.InRange(58, 60), "no drift: one a second, never a second one early");
        Assert.That(probes.Select(p => p.Count(HealthCheck.IsAlive)), Is.All.InRange(11, 12), "resource i came online at i ms; now is 60 s");
        Assert.That(probes.SelectMany((p, i) => p.Calls.Select(c => (c.At - TimeSpan.FromMilliseconds(i)).TotalMilliseconds % 1_000)),
            Is.All.Matches<double>(offset => offset is 0 or >= 990), "never more than 10 ms early, never late");
    }

    private void Advance(TimeSpan by)
    {
        // One millisecond at a time, as a real clock passes: the timer fires at each instant it was set for.
        for (var step = TimeSpan.Zero; step < by; step += TimeSpan.FromMilliseconds(1))
        {
            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }
    }

    private TimeSpan Since() => _clock.GetUtcNow() - _start;

    /// <summary>A resource whose checks answer at once (unless held), as told, and record when they ran.</summary>
    private sealed class Probe(string resource, int looksAliveMs, int isAliveMs, Func<TimeSpan> now) : IHealthProbe
    {
        private Action<bool, string>? _held;

        public string Resource { get; } = resource;

        public TimeSpan LooksAliveInterval { get; set; } = TimeSpan.FromMilliseconds(looksAliveMs);

        public TimeSpan IsAliveInterval { get; } = TimeSpan.FromMilliseconds(isAliveMs);

        public Func<TimeSpan, bool> LooksAlive { get; init; } = _ => true;

        public Func<TimeSpan, bool> IsAlive { get; init; } = _ => true;

        public string Why { get; init; } = string.Empty;

        /// <summary>Checks do not answer until <see cref="AnswerHeld"/>: a hung entry point.</summary>
        public bool Hold { get; set; }

        public List<(HealthCheck Check, TimeSpan At)> Calls { get; } = [];

        public int Count(HealthCheck check) => Calls.Count(c => c.Check == check);

        public void Check(HealthCheck check, Action<bool, string> done)
        {
            var at = now();
            Calls.Add((check, at));
            if (Hold)
            {
                _held = done;
                return;
            }

            var alive = check == HealthCheck.LooksAlive ? LooksAlive(at) : IsAlive(at);
            done(alive, alive ? string.Empty : Why);
        }

        /// <summary>The held check returns now, with <paramref name="alive"/>.</summary>
        public void AnswerHeld(bool alive)
        {
            var held = _held;
            _held = null;
            held?.Invoke(alive, alive ? string.Empty : Why);
        }
    }
}
