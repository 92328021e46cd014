"""ICD-10-CM reference data from the `simple-icd-10-cm` package (CDC/NCHS, public domain).

`load_codes()` inserts or updates every category and subcategory code with its official title
and whether it is billable (a leaf). It is idempotent and is run by a data migration and by
`tend codes load` after the package is upgraded to a new release of the code set.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import simple_icd_10_cm as cm
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

# Mental and behavioural (F) and factors influencing health status (Z) come first in searches.
PREFERRED_CHAPTERS = ("F", "Z")
ATTRIBUTION = (
    "ICD-10-CM codes and titles are published by the US National Center for Health Statistics "
    "(CDC). Their use here does not imply endorsement by NCHS or CDC."
)


def code_set_version() -> str:
    """The release of the code set bundled with the installed package, e.g. "April 2026"."""
    name = getattr(cm.simple_icd_10_cm, "_all_codes_package_file_name", "")
    return name.removeprefix("code-list-").removesuffix(".txt").replace("-", " ") or "unknown"


def iter_codes() -> Iterator[dict[str, Any]]:
    version = code_set_version()
    seen: set[str] = set()
    for code in cm.get_all_codes(True):
        if code in seen:
            continue  # the package lists a few codes under two headings
        seen.add(code)
        if not (cm.is_category_or_subcategory(code) or cm.is_extended_subcategory(code)):
            continue  # chapters and blocks are headings, not codes
        description = cm.get_description(code)
        yield {
            "code": code,
            "description": description[:400],
            "is_billable": cm.is_leaf(code),
            "chapter": code[:1],
            "version": version,
            "search_text": f"{code.lower()} {code.replace('.', '').lower()} {description.lower()}"[
                :420
            ],
        }


def load_codes(
    model: Any = None, batch_size: int = 5000, chapters: tuple[str, ...] | None = None
) -> int:
    """Insert new codes and refresh changed titles; returns how many codes are loaded.

    `chapters` (code letters) limits the load, for tests that need only a few chapters.
    """
    if model is None:
        from tend.clients.models import IcdCode as model  # noqa: N813
    rows = [row for row in iter_codes() if chapters is None or row["chapter"] in chapters]
    existing = dict(model.objects.values_list("code", "pk"))
    fields = ["description", "is_billable", "chapter", "version", "search_text"]
    with transaction.atomic():
        new = [model(**row) for row in rows if row["code"] not in existing]
        model.objects.bulk_create(new, batch_size=batch_size)
        changed = [
            model(pk=existing[row["code"]], **row) for row in rows if row["code"] in existing
        ]
        if changed:
            model.objects.bulk_update(changed, fields, batch_size=batch_size)
    return len(rows)


def search_codes(queryset: QuerySet, text: str, *, billable_only: bool = False) -> QuerySet:
    """Codes matching every word of `text` (a code prefix or words of the title), with
    chapter F and Z codes first, then exact code-prefix matches, then by code."""
    words = [w for w in text.lower().replace(",", " ").split() if w]
    if not words:
        return queryset.none()
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    if billable_only:
        queryset = queryset.filter(is_billable=True)
    first = words[0].upper()
    return queryset.annotate(
        chapter_rank=Case(
            When(chapter__in=PREFERRED_CHAPTERS, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        prefix_rank=Case(
            When(
                Q(code__startswith=first) | Q(code__startswith=first.replace(".", "")),
                then=Value(0),
            ),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by("prefix_rank", "chapter_rank", "code")
