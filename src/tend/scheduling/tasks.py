"""Scheduling's background work as django-tasks tasks: the reminder sweep, one reminder, and
the nightly extension of open-ended series. Each is safe to run twice."""

from __future__ import annotations

from django_tasks import task


@task()
def send_due_reminders() -> int:
    """Send every reminder that is due (the worker's once-a-minute sweep)."""
    from tend.scheduling import reminders

    return reminders.send_due_reminders()


@task()
def send_reminder(reminder_id: int) -> str:
    """Send one reminder, unless another run already claimed it."""
    from tend.scheduling import reminders

    return reminders.send_reminder(reminder_id)


@task()
def replan_reminders(practice_id: int) -> int:
    """Re-plan the reminders of every upcoming appointment of a practice (new offsets)."""
    from tend.scheduling import reminders

    return reminders.replan_practice(practice_id)


@task()
def extend_open_series() -> int:
    """Book open-ended series forward to the practice's horizon (nightly)."""
    return run_extend_open_series()


def run_extend_open_series() -> int:
    """Call series.extend_open_series when the series module provides it; 0 otherwise."""
    try:
        from tend.scheduling.series import extend_open_series as extend
    except ImportError:
        return 0
    return extend()
