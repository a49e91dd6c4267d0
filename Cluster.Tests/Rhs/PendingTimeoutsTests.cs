using Cluster.Rhs.Health;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Tests.Rhs;

/// <summary>PendingTimeout as the RHS keeps it, on a fake clock: no processes, no threads.</summary>
[TestFixture]
public sealed class PendingTimeoutsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(3);
    private FakeTimeProvider _clock = null!;
    private List<(string Resource, TimeSpan Timeout)> _expired = null!;
    private PendingTimeouts _pending = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeTimeProvider();
        _expired = [];
        _pending = new PendingTimeouts(_clock, (resource, timeout) => _expired.Add((resource, timeout)));
    }

    [TearDown]
    public void TearDown() => _pending.Dispose();

    [Test]
    public void PendingWatch_runs_from_the_last_progress_report()
    {
        var second = TimeSpan.FromSeconds(1);
        var watch = new PendingWatch(s_timeout, startedAt: 10 * second);
        Assert.That(watch.Expired(12.9 * second), Is.False);

        watch.Progress(12 * second);
        Assert.That(watch.Deadline, Is.EqualTo(15 * second));
        Assert.That(watch.Expired(14.9 * second), Is.False);
        Assert.That(watch.Expired(15 * second), Is.True);

        watch.Progress(11 * second); // a report that arrives late moves nothing back
        Assert.That(watch.Deadline, Is.EqualTo(15 * second));
    }

    [Test]
    public void A_transition_without_progress_is_reported_once_when_its_timeout_passes()
    {
        _pending.Start("disk", _pending.Begin("disk"), s_timeout);

        _clock.Advance(s_timeout - TimeSpan.FromMilliseconds(1));
        Assert.That(_expired, Is.Empty);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(_expired, Is.EqualTo(new[] { ("disk", s_timeout) }));
        Assert.That(_pending.IsPending("disk"), Is.False);

        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.That(_expired, Has.Count.EqualTo(1), "once");
    }

    [Test]
    public void Progress_starts_the_timeout_again()
    {
        _pending.Start("disk", _pending.Begin("disk"), s_timeout);
        _clock.Advance(TimeSpan.FromSeconds(2));
        _pending.Progress("disk");

        _clock.Advance(TimeSpan.FromSeconds(2.9)); // 4.9 s after the start, 2.9 s after the progress
        Assert.That(_expired, Is.Empty);
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.That(_expired.Select(e => e.Resource), Is.EqualTo(new[] { "disk" }));
    }

    [Test]
    public void A_final_state_ends_the_transition_even_when_it_comes_before_the_call_answers_pending()
    {
        _pending.Start("ended", _pending.Begin("ended"), s_timeout);
        _pending.Stop("ended"); // Online reported

        // The DLL's own thread reports Online before its Online call has returned OnlinePending.
        var begun = _pending.Begin("raced");
        _pending.Stop("raced");
        _pending.Start("raced", begun, s_timeout);

        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.That(_expired, Is.Empty);
        Assert.That(_pending.IsPending("raced"), Is.False);
    }

    [Test]
    public void A_new_transition_ends_the_earlier_one_and_times_itself()
    {
        _pending.Start("disk", _pending.Begin("disk"), TimeSpan.FromSeconds(1)); // Online, pending
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        _pending.Start("disk", _pending.Begin("disk"), TimeSpan.FromSeconds(5)); // then Offline, pending, with a new timeout

        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.That(_expired, Is.Empty, "the Online's timeout ended with it");
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.That(_expired, Is.EqualTo(new[] { ("disk", TimeSpan.FromSeconds(5)) }));
    }

    [Test]
    public void Each_resource_has_its_own_timeout_and_a_closed_one_has_none()
    {
        _pending.Start("a", _pending.Begin("a"), TimeSpan.FromSeconds(1));
        _pending.Start("b", _pending.Begin("b"), TimeSpan.FromSeconds(2));
        _pending.Start("c", _pending.Begin("c"), TimeSpan.FromSeconds(1));
        _pending.Forget("c");

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_expired.Select(e => e.Resource), Is.EqualTo(new[] { "a" }));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.That(_expired.Select(e => e.Resource), Is.EqualTo(new[] { "a", "b" }));
    }
}
