"""Caseload and chart latency on the large demo (20,000+ clients): median, p95, queries.

Builds the `large` demo into the fresh database the runner made, then, with Django's test client
signed in as (a) a clinician with a typical caseload and (b) the owner (the whole practice),
requests the caseload (first page, a search, a filter) and a chart page REPEAT times each after
WARM_UP warm-up requests. Prints a table and writes bench/results/caseload.json.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

REPEAT = 50
WARM_UP = 5
HERE = Path(__file__).resolve().parent


def _signed_in(membership):
    from django.test import Client

    client = Client()
    client.force_login(membership.user)
    session = client.session
    session["tend_practice"] = str(membership.practice.uuid)
    session.save()
    return client


def _measure(client, url: str) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries)  # now: the next request clears the log this reads from
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "queries": query_count,
    }


def run() -> dict:
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    from tend.clients.models import CareTeamMember, Client
    from tend.practices.choices import Role
    from tend.practices.demo import build_demo_practice

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False  # as in production: no query log, no template debug information
    started = time.perf_counter()
    demo = build_demo_practice("large")
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    clinician = next(m for m in demo.members if m.role == Role.CLINICIAN)
    caseload = CareTeamMember.objects.filter(membership=clinician, ended_on__isnull=True)
    # A chart the clinician may open (not restricted) with an open episode and diagnoses.
    chart_client = (
        Client.objects.filter(pk__in=caseload.values("client"), is_restricted=False)
        .filter(episodes__diagnoses__isnull=False)
        .order_by("id")
        .first()
    )
    search_word = chart_client.legal_last_name[:5]
    caseload_url = reverse("clients:caseload")
    pages = {
        "caseload": caseload_url,
        "caseload_search": f"{caseload_url}?q={search_word}",
        "caseload_filter": f"{caseload_url}?status=active&sort=age",
        "chart": reverse("clients:chart", kwargs={"client_id": chart_client.uuid}),
        "chart_diagnoses": reverse("clients:diagnoses", kwargs={"client_id": chart_client.uuid}),
    }
    results: dict[str, dict] = {}
    for who, membership in (("clinician", clinician), ("owner", demo.owner)):
        client = _signed_in(membership)
        for page, url in pages.items():
            results[f"{who}/{page}"] = _measure(client, url)

    summary = {
        "database": connection.vendor,
        "clients": Client.objects.filter(practice=demo.practice).count(),
        "clinicians": sum(1 for m in demo.members if m.role in (Role.CLINICIAN, Role.SUPERVISOR)),
        "clinician_caseload": caseload.count(),
        "build_large_demo_seconds": round(built, 1),
        "repeat": REPEAT,
        "pages": results,
    }
    _print_table(summary)
    (HERE / "results").mkdir(exist_ok=True)
    with open(HERE / "results" / f"caseload-{connection.vendor}.json", "w") as handle:
        json.dump(summary, handle, indent=2)
    with open(HERE / "results" / "caseload.json", "w") as handle:
        json.dump(summary, handle, indent=2)
    return {
        "database": summary["database"],
        "clients": summary["clients"],
        "build_large_demo_seconds": summary["build_large_demo_seconds"],
        **{f"{k}_median_ms": v["median_ms"] for k, v in results.items()},
    }


def _print_table(summary: dict) -> None:
    print(
        f"  {summary['database']}: {summary['clients']} clients, {summary['clinicians']} "
        f"clinicians; clinician's caseload {summary['clinician_caseload']}; "
        f"large demo built in {summary['build_large_demo_seconds']} s"
    )
    print(f"  {'page':<28} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    for page, figures in summary["pages"].items():
        print(
            f"  {page:<28} {figures['median_ms']:>10} {figures['p95_ms']:>10} "
            f"{figures['queries']:>8}"
        )
