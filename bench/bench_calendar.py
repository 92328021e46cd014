"""Calendar week view and 52-week series booking at 1k, 100k and 2M appointments (PostgreSQL).

Builds the `large` demo (220 clinicians, 20,000+ clients, its appointment types and working
hours) without its five demo weeks, then bulk-loads appointments with SQL, each with its
attendee and the time claims an active appointment holds, so the table holds 1,000, 100,000 and
2,000,000 rows in turn (VACUUM ANALYZE after each load). One clinician's week is full from the
first load; the rest are spread round the 220 clinicians going back week by week, so at 2M each
clinician has about 9,000 sessions over four and a half years.

At each size: the week view's data endpoint (scheduling:events) for that clinician through
Django's test client signed in as them, REPEAT runs after warm-up: median, p95, query count;
and the bare SQL of the same rows (the appointments query and its attendees query, run through
the cursor) median and p95, with the plan. At the largest size also book_series of a weekly
52-week series (the conflict check of every session), rolled back after each run.

Needs PostgreSQL: `make bench BENCH=calendar` with DATABASE_URL set, or
`python -m bench calendar --database-url postgres://postgres@127.0.0.1:5432/tend_bench`.
BENCH_CALENDAR_SIZES=1000,20000 and BENCH_CALENDAR_DEMO=medium make a quick try. Writes
bench/results/calendar.json.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import statistics
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPEAT = 60
WARM_UP = 5
SERIES_RUNS = 10
SIZES = [1_000, 100_000, 2_000_000]
PER_WEEK = 40  # a full week: 8 sessions a day, Monday to Friday
HERE = Path(__file__).resolve().parent


def _signed_in(membership):
    from django.test import Client

    client = Client()
    client.force_login(membership.user)
    session = client.session
    session["tend_practice"] = str(membership.practice.uuid)
    session.save()
    return client


def _percentiles(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
    }


def _prepare_staging(cursor, clinician, clinicians) -> None:
    """A numbered list of clinicians (the benchmark's first) and their caseloads to draw on."""
    from tend.clients.choices import CareRole
    from tend.clients.models import CareTeamMember

    cursor.execute("DROP TABLE IF EXISTS bench_clin, bench_case")
    cursor.execute("CREATE UNLOGGED TABLE bench_clin (idx int PRIMARY KEY, id bigint, n int)")
    cursor.execute("CREATE UNLOGGED TABLE bench_case (idx int, pos int, client_id bigint)")
    ordered = [clinician] + [m for m in clinicians if m.pk != clinician.pk]
    caseload_rows, clin_rows = [], []
    for idx, member in enumerate(ordered):
        clients = list(
            CareTeamMember.objects.filter(
                membership=member, role=CareRole.PRIMARY, ended_on__isnull=True
            )
            .order_by("client_id")
            .values_list("client_id", flat=True)
        )
        if not clients:
            continue
        idx = len(clin_rows)
        clin_rows.append((idx, member.pk, len(clients)))
        caseload_rows += [(idx, pos, c) for pos, c in enumerate(clients)]
    cursor.executemany("INSERT INTO bench_clin VALUES (%s, %s, %s)", clin_rows)
    cursor.executemany("INSERT INTO bench_case VALUES (%s, %s, %s)", caseload_rows)
    cursor.execute("CREATE INDEX ON bench_case (idx, pos)")
    cursor.execute("ANALYZE bench_clin")
    cursor.execute("ANALYZE bench_case")


LOAD = """
CREATE UNLOGGED TABLE bench_rows AS
WITH numbered AS (
    SELECT i,
           CASE WHEN i < {per_week} THEN 0 ELSE (i - {per_week}) %% {clinicians} END AS idx,
           CASE WHEN i < {per_week} THEN i
                ELSE {per_week} + (i - {per_week}) / {clinicians} END AS k
    FROM generate_series({lo}, {hi} - 1) AS i
)
SELECT n.i, c.id AS clinician_id, cs.client_id, gen_random_uuid() AS uuid,
       %(monday)s::timestamptz
         - make_interval(weeks => n.k / {per_week})
         + make_interval(days => (n.k %% {per_week}) %% 5, hours => 9 + (n.k %% {per_week}) / 5)
         AS starts_at,
       CASE WHEN n.i %% 20 = 7 THEN 'cancelled' ELSE 'completed' END AS status
FROM numbered n
JOIN bench_clin c ON c.idx = n.idx
JOIN bench_case cs ON cs.idx = n.idx AND cs.pos = n.k %% c.n
"""

INSERT_APPOINTMENTS = """
INSERT INTO scheduling_appointment (
    practice_id, uuid, created_at, updated_at, clinician_id, appointment_type_id, starts_at,
    ends_at, time_zone, modality, video_room, client_location, audio_only_reason, status,
    cancelled_by, cancellation_reason, is_late_cancellation, staff_notes, series_key,
    is_exception, version
)
SELECT %(practice)s, r.uuid, now(), now(), r.clinician_id, %(type)s, r.starts_at,
       r.starts_at + interval '53 minutes', %(zone)s, 'in_person', '', '', '', r.status,
       CASE WHEN r.status = 'cancelled' THEN 'client' ELSE '' END, '', false, %(notes)s, '',
       false, 1
FROM bench_rows r ORDER BY r.i
"""

INSERT_ATTENDEES = """
INSERT INTO scheduling_appointmentattendee (appointment_id, client_id, attendance)
SELECT a.id, r.client_id, CASE WHEN r.status = 'cancelled' THEN 'expected' ELSE 'attended' END
FROM bench_rows r JOIN scheduling_appointment a ON a.uuid = r.uuid
"""

INSERT_CLAIMS = """
INSERT INTO scheduling_timeclaim (practice_id, appointment_id, kind, ref, starts_at, ends_at)
SELECT %(practice)s, a.id, claim.kind, claim.ref, a.starts_at, a.ends_at
FROM bench_rows r
JOIN scheduling_appointment a ON a.uuid = r.uuid
CROSS JOIN LATERAL (VALUES ('m', r.clinician_id), ('c', r.client_id)) AS claim(kind, ref)
WHERE r.status <> 'cancelled'
"""


def _load(cursor, *, lo: int, hi: int, clinicians: int, practice, kind, monday_utc) -> float:
    from django.db import connection

    from tend.scheduling.models import Appointment

    notes = Appointment._meta.get_field("staff_notes").get_db_prep_value("", connection)
    params = {
        "monday": monday_utc,
        "practice": practice.pk,
        "type": kind.pk,
        "zone": practice.time_zone,
        "notes": notes,
    }
    started = time.perf_counter()
    cursor.execute("DROP TABLE IF EXISTS bench_rows")
    cursor.execute(LOAD.format(per_week=PER_WEEK, clinicians=clinicians, lo=lo, hi=hi), params)
    cursor.execute(INSERT_APPOINTMENTS, params)
    cursor.execute(INSERT_ATTENDEES, params)
    # Bulk loading: the exclusion constraint is dropped for the insert and built again over all
    # the rows at once, checking every row. (Loading 1.9M appointments with their claims took
    # about 20 minutes on a 2-core machine either way.)
    no_overlap = importlib.import_module(
        "tend.scheduling.migrations.0002_no_double_booking_on_postgresql"
    )
    cursor.execute(no_overlap.DROP)
    cursor.execute(INSERT_CLAIMS, params)
    cursor.execute(no_overlap.CREATE)
    cursor.execute("DROP TABLE bench_rows")
    return time.perf_counter() - started


def _bare_sql(practice, clinician, start, end) -> tuple[list[float], str]:
    """The rows the endpoint reads, as plain SQL: the appointments and their attendees."""
    from django.db import connection

    from tend.scheduling.models import Appointment, AppointmentAttendee
    from tend.scheduling.views.calendar import SHOWN_STATUSES

    main = (
        Appointment.objects.for_practice(practice.pk)
        .overlapping(start, end)
        .filter(status__in=SHOWN_STATUSES, clinician=clinician)
        .select_related("appointment_type", "room", "clinician")
    )
    sql, params = main.query.sql_with_params()
    ids = list(main.values_list("id", flat=True))
    people = AppointmentAttendee.objects.filter(appointment_id__in=ids).select_related("client")
    sql2, params2 = people.query.sql_with_params()
    times = []
    with connection.cursor() as cursor:
        for run in range(WARM_UP + REPEAT):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            cursor.execute(sql2, params2)
            cursor.fetchall()
            if run >= WARM_UP:
                times.append((time.perf_counter() - started) * 1000)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return times, plan


def _endpoint(browser, url: str) -> tuple[list[float], int, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        response = browser.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    count, events = len(queries), len(response.json())
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = browser.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times, count, events


def _series(owner, clinician, kind, client, monday_local) -> dict:
    """book_series of a 52-week weekly series at 8:00 (free), rolled back after each run; and
    the conflict check alone (one find_clashes over the 52 sessions' needs)."""
    from django.db import transaction

    from tend.scheduling.conflicts import find_clashes, needs_for
    from tend.scheduling.series import book_series

    class Rollback(Exception):
        pass

    local_start = dt.datetime.combine(monday_local + dt.timedelta(weeks=1), dt.time(8, 0))
    zone = ZoneInfo(clinician.practice.time_zone)
    booking, checking, sessions = [], [], 0
    for _ in range(SERIES_RUNS + 1):
        try:
            with transaction.atomic():
                started = time.perf_counter()
                series = book_series(
                    membership=owner,
                    clinician=clinician,
                    appointment_type=kind,
                    local_start=local_start,
                    minutes=53,
                    rule="FREQ=WEEKLY;COUNT=52",
                    clients=[client],
                )
                booking.append((time.perf_counter() - started) * 1000)
                sessions = series.appointments.count()
                raise Rollback
        except Rollback:
            pass
        needs = []
        for week in range(52):
            start = (local_start + dt.timedelta(weeks=week)).replace(tzinfo=zone)
            needs += needs_for(
                clinician_id=clinician.pk,
                room_id=None,
                client_ids=[client.pk],
                start=start,
                end=start + dt.timedelta(minutes=53),
            )
        started = time.perf_counter()
        clashes = find_clashes(needs)
        checking.append((time.perf_counter() - started) * 1000)
        assert clashes == []
    return {
        "sessions": sessions,
        "book_series": _percentiles(booking[1:]),
        "conflict_check": _percentiles(checking[1:]),
    }


def run() -> dict:
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    import tend.scheduling.demo as scheduling_demo
    from tend.clients.choices import CareRole
    from tend.clients.models import CareTeamMember, Client
    from tend.practices.choices import Role
    from tend.practices.demo import build_demo_practice
    from tend.scheduling.models import Appointment, AppointmentType

    if connection.vendor != "postgresql":
        message = (
            "needs PostgreSQL: python -m bench calendar "
            "--database-url postgres://postgres@127.0.0.1:5432/tend_bench"
        )
        print(f"  skipped: {message}")
        return {"skipped": message}

    settings.DEBUG = False  # as in production: no query log, no template debug information
    sizes = [int(s) for s in os.environ.get("BENCH_CALENDAR_SIZES", "").split(",") if s] or SIZES

    # The large demo without its five demo weeks: the benchmark loads every appointment itself,
    # so the smallest size really is 1,000 rows.
    full_schedule = scheduling_demo.build_demo_schedule
    scheduling_demo.build_demo_schedule = lambda *a, **kw: full_schedule(*a, **kw, sessions=False)
    try:
        started = time.perf_counter()
        demo = build_demo_practice(os.environ.get("BENCH_CALENDAR_DEMO", "large"))
        built = time.perf_counter() - started
    finally:
        scheduling_demo.build_demo_schedule = full_schedule
    practice, owner = demo.practice, demo.owner
    clinicians = [m for m in demo.members if m.is_clinical]
    clinician = next(m for m in demo.members if m.role == Role.CLINICIAN)
    kind = AppointmentType.objects.get(practice=practice, service_code="90837")
    client = Client.objects.get(
        pk=CareTeamMember.objects.filter(membership=clinician, role=CareRole.PRIMARY)
        .order_by("client_id")[0]
        .client_id
    )
    zone = ZoneInfo(practice.time_zone)
    today = dt.datetime.now(zone).date()
    monday_local = today - dt.timedelta(days=today.weekday())
    monday = dt.datetime.combine(monday_local, dt.time(0, 0), tzinfo=zone)
    week = (monday, monday + dt.timedelta(days=7))
    url = (
        reverse("scheduling:events")
        + f"?start={week[0].isoformat().replace('+', '%2B')}"
        + f"&end={week[1].isoformat().replace('+', '%2B')}&clinician={clinician.uuid}"
    )

    results: dict = {"demo_build_seconds": round(built, 1), "clinicians": len(clinicians)}
    with connection.cursor() as cursor:
        _prepare_staging(cursor, clinician, clinicians)
        cursor.execute("SELECT count(*) FROM bench_clin")
        loaded_clinicians = cursor.fetchone()[0]
    rows = Appointment.objects.count()
    table = []
    for size in sizes:
        with connection.cursor() as cursor:
            seconds = _load(
                cursor,
                lo=rows,
                hi=size,
                clinicians=loaded_clinicians,
                practice=practice,
                kind=kind,
                monday_utc=monday.astimezone(dt.UTC),
            )
        connection.close()  # VACUUM cannot run inside the test client's connection state
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("VACUUM ANALYZE scheduling_appointment")
            cursor.execute("VACUUM ANALYZE scheduling_appointmentattendee")
            cursor.execute("VACUUM ANALYZE scheduling_timeclaim")
            vacuumed = time.perf_counter() - started
        rows = Appointment.objects.count()
        mine = Appointment.objects.filter(clinician=clinician).count()
        # Signed in afresh: a long load outlasts the idle timeout of the previous session.
        times, queries, events = _endpoint(_signed_in(clinician), url)
        bare, plan = _bare_sql(practice, clinician, *week)
        entry = {
            "appointments": rows,
            "clinician_appointments": mine,
            "load_seconds": round(seconds, 1),
            "vacuum_seconds": round(vacuumed, 1),
            "events": events,
            "queries": queries,
            "endpoint": _percentiles(times),
            "bare_sql": _percentiles(bare),
            "plan": plan,
        }
        print(
            f"  {rows:>9,} rows ({mine:,} for the clinician): endpoint median "
            f"{entry['endpoint']['median_ms']} ms p95 {entry['endpoint']['p95_ms']} ms, "
            f"{queries} queries, {events} events; bare SQL median {entry['bare_sql']['median_ms']}"
            f" ms p95 {entry['bare_sql']['p95_ms']} ms (loaded in {seconds:.0f} s)",
            flush=True,
        )
        table.append(entry)
    results["sizes"] = table
    results["series_52_weeks"] = _series(owner, clinician, kind, client, monday_local)
    first, last = table[0], table[-1]
    results["goals"] = {
        "p95_growth": round(last["endpoint"]["p95_ms"] / first["endpoint"]["p95_ms"], 2),
        "p95_growth_ok": last["endpoint"]["p95_ms"] <= 1.5 * first["endpoint"]["p95_ms"],
        "vs_bare_sql": round(last["endpoint"]["p95_ms"] / last["bare_sql"]["p95_ms"], 1),
        "vs_bare_sql_ok": last["endpoint"]["p95_ms"] <= 10 * last["bare_sql"]["p95_ms"],
        "constant_queries": len({e["queries"] for e in table}) == 1,
    }
    print("  size        endpoint med/p95 ms   bare SQL med/p95 ms   queries  events")
    for e in table:
        print(
            f"  {e['appointments']:>10,}"
            f"  {e['endpoint']['median_ms']:>8} / {e['endpoint']['p95_ms']:<8}"
            f"  {e['bare_sql']['median_ms']:>8} / {e['bare_sql']['p95_ms']:<8}"
            f"  {e['queries']:>7}  {e['events']:>6}"
        )
    series = results["series_52_weeks"]
    print(
        f"  52-week series at {last['appointments']:,}: book_series median "
        f"{series['book_series']['median_ms']} ms p95 {series['book_series']['p95_ms']} ms; "
        f"conflict check alone median {series['conflict_check']['median_ms']} ms"
    )
    print(f"  goals: {json.dumps(results['goals'])}")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "calendar.json").write_text(json.dumps(results, indent=2) + "\n")
    return {k: v for k, v in results.items() if k != "sizes"}
