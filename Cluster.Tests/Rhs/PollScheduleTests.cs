using Cluster.Rhs.Health;

namespace Cluster.Tests.Rhs;

/// <summary>The LooksAlive/IsAlive schedule, at explicit instants (seconds since the resource came online).</summary>
[TestFixture]
public sealed class PollScheduleTests
{
    [Test]
    public void Each_check_runs_at_its_own_interval_one_LooksAlive_a_minute_beside_IsAlive_every_five_seconds()
    {
        var schedule = new PollSchedule(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), TimeSpan.Zero);

        var calls = Run(schedule, TimeSpan.FromMinutes(4), (_, _) => true);

        Assert.That(calls.Count(c => c.Check == HealthCheck.LooksAlive), Is.EqualTo(4));
        Assert.That(calls.Count(c => c.Check == HealthCheck.IsAlive), Is.EqualTo(48));
        Assert.That(calls.Where(c => c.Check == HealthCheck.LooksAlive).Select(c => c.At.TotalSeconds), Is.EqualTo(new[] { 60.0, 120, 180, 240 }));
    }

    [Test]
    public void WSFC_defaults_give_LooksAlive_every_five_seconds_and_IsAlive_every_minute()
    {
        var schedule = new PollSchedule(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10));

        var calls = Run(schedule, TimeSpan.FromSeconds(130), (_, _) => true);

        Assert.That(calls.Count(c => c.Check == HealthCheck.LooksAlive), Is.EqualTo(24));
        Assert.That(calls.Where(c => c.Check == HealthCheck.IsAlive).Select(c => c.At.TotalSeconds), Is.EqualTo(new[] { 70.0, 130 }));
    }

    [Test]
    public void A_false_LooksAlive_asks_IsAlive_at_once_and_the_cadence_carries_on()
    {
        var schedule = new PollSchedule(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.Zero);

        var calls = Run(schedule, TimeSpan.FromSeconds(20), (check, at) => !(check == HealthCheck.LooksAlive && at == TimeSpan.FromSeconds(10)));

        Assert.That(calls.Select(c => (c.Check, c.At.TotalSeconds)), Is.EqualTo(new[]
        {
            (HealthCheck.LooksAlive, 5.0), (HealthCheck.LooksAlive, 10), (HealthCheck.IsAlive, 10), (HealthCheck.LooksAlive, 15), (HealthCheck.LooksAlive, 20),
        }));
        Assert.That(schedule.Due(TimeSpan.FromSeconds(69)), Is.Not.EqualTo(HealthCheck.IsAlive), "the next IsAlive is a full interval after the one a doubt asked for");
        Assert.That(schedule.Due(TimeSpan.FromSeconds(70)), Is.EqualTo(HealthCheck.IsAlive));
    }

    [Test]
    public void Slow_checks_do_not_drift_the_cadence_and_missed_ones_are_not_made_up_in_a_burst()
    {
        var schedule = new PollSchedule(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.Zero);
        schedule.Completed(HealthCheck.LooksAlive, alive: true, TimeSpan.FromSeconds(5.8)); // took 0.8 s
        Assert.That(schedule.NextDue, Is.EqualTo(TimeSpan.FromSeconds(10)));

        schedule.Completed(HealthCheck.LooksAlive, alive: true, TimeSpan.FromSeconds(32)); // the node was frozen for 20 s
        Assert.That(schedule.NextDue, Is.EqualTo(TimeSpan.FromSeconds(37)));
    }

    [Test]
    public void When_both_are_due_IsAlive_goes_first()
    {
        var schedule = new PollSchedule(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeSpan.Zero);

        Assert.That(schedule.Due(TimeSpan.FromSeconds(4.9)), Is.Null);
        Assert.That(schedule.Due(TimeSpan.FromSeconds(5)), Is.EqualTo(HealthCheck.IsAlive));
        schedule.Completed(HealthCheck.IsAlive, alive: true, TimeSpan.FromSeconds(5));
        Assert.That(schedule.Due(TimeSpan.FromSeconds(5)), Is.EqualTo(HealthCheck.LooksAlive));
    }

    [Test]
    public void Intervals_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PollSchedule(TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PollSchedule(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(-1), TimeSpan.Zero));
    }

    /// <summary>Drives the schedule as the monitor does, with checks that take no time: every call, in order, until <paramref name="end"/>.</summary>
    private static List<(HealthCheck Check, TimeSpan At)> Run(PollSchedule schedule, TimeSpan end, Func<HealthCheck, TimeSpan, bool> answer)
    {
        var calls = new List<(HealthCheck, TimeSpan)>();
        var now = schedule.NextDue;
        while (now <= end)
        {
            if (schedule.Due(now) is { } check)
            {
                calls.Add((check, now));
                schedule.Completed(check, answer(check, now), now);
            }

            now = schedule.NextDue > now ? schedule.NextDue : now;
        }

        return calls;
    }
}
