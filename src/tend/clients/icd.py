"""ICD-10-CM reference data from the `simple-icd-10-cm` package (CDC/NCHS, public domain).

`load_codes()` inserts or updates every category and subcategory code with its official title
and whether it is billable (a leaf). It is idempotent and is run by a data migration and by
`tend codes load` after the package is upgraded to a new release of the code set. Codes that a
new release drops are removed only when no diagnosis uses them.

`search_codes()` answers the code picker: a code prefix ("F33", "f331", "z63") is a range scan
on the indexed `code` column; words ("anxiety gen") must each appear in the lower-case
`search_text`, which PostgreSQL serves from a trigram index (migration 0003).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import simple_icd_10_cm as cm
from django.db import connections, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

# Mental and behavioural (F) and factors influencing health status (Z) come first in searches.
PREFERRED_CHAPTERS = ("F", "Z")
ATTRIBUTION = (
    "ICD-10-CM codes and titles are published by the US National Center for Health Statistics "
    "(CDC). Their use here does not imply endorsement by NCHS or CDC."
)
FIELDS = ("description", "is_billable", "chapter", "version", "search_text")
# A letter and a digit start every ICD-10-CM code; the dot comes after the third character.
CODE_LIKE = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z]{0,1}\.?[0-9A-Za-z]{0,4}$")


def code_set_version() -> str:
    """The release of the code set bundled with the installed package, e.g. "April 2026"."""
    name = getattr(cm.simple_icd_10_cm, "_all_codes_package_file_name", "")
    return name.removeprefix("code-list-").removesuffix(".txt").replace("-", " ") or "unknown"


def normal_code(text: str) -> str:
    """A code as typed ("f331", " F33.1 ") in the stored form ("F33.1")."""
    code = re.sub(r"[\s.]", "", text or "").upper()
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def looks_like_code(text: str) -> bool:
    return bool(CODE_LIKE.match((text or "").strip()))


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


@dataclass(frozen=True)
class LoadResult:
    """What one run of the loader changed."""

    total: int
    inserted: int
    updated: int
    removed: int
    kept_in_use: int

    def __int__(self) -> int:
        return self.total


def load_codes(
    model: Any = None,
    batch_size: int = 5000,
    chapters: tuple[str, ...] | None = None,
    diagnosis_model: Any = None,
) -> LoadResult:
    """Insert new codes, refresh changed titles and drop codes the release no longer has
    (unless a diagnosis uses them). Running it twice changes nothing the second time.

    `chapters` (code letters) limits the load, for tests that need only a few chapters.
    """
    if model is None:
        from tend.clients.models import Diagnosis as diagnosis_model  # noqa: N813
        from tend.clients.models import IcdCode as model  # noqa: N813
    rows = [row for row in iter_codes() if chapters is None or row["chapter"] in chapters]
    current = model.objects.all()
    if chapters is not None:
        current = current.filter(chapter__in=chapters)
    existing = {values[0]: values[1:] for values in current.values_list("code", "pk", *FIELDS)}
    new = [model(**row) for row in rows if row["code"] not in existing]
    changed = [
        model(pk=existing[row["code"]][0], **row)
        for row in rows
        if row["code"] in existing
        and tuple(row[field] for field in FIELDS) != tuple(existing[row["code"]][1:])
    ]
    gone = set(existing) - {row["code"] for row in rows}
    in_use: set[str] = set()
    with transaction.atomic():
        model.objects.bulk_create(new, batch_size=batch_size)
        if changed:
            model.objects.bulk_update(changed, list(FIELDS), batch_size=batch_size)
        if gone:
            if diagnosis_model is not None:
                in_use = set(
                    diagnosis_model.objects.filter(code__code__in=gone).values_list(
                        "code__code", flat=True
                    )
                )
            model.objects.filter(code__in=gone - in_use).delete()
    return LoadResult(
        total=len(rows),
        inserted=len(new),
        updated=len(changed),
        removed=len(gone - in_use),
        kept_in_use=len(in_use),
    )


def _code_prefix(queryset: QuerySet, text: str) -> QuerySet:
    prefix = normal_code(text)
    if connections[queryset.db].vendor == "sqlite":
        # SQLite's LIKE ignores case and so cannot use the index; a range on the (binary
        # collated) unique index can. PostgreSQL's LIKE 'F33%' uses Django's pattern index.
        return queryset.filter(code__gte=prefix, code__lt=prefix + "\uffff")
    return queryset.filter(code__startswith=prefix)


def search_codes(queryset: QuerySet, text: str, *, billable_only: bool = False) -> QuerySet:
    """Codes matching `text`: a code prefix, or every word somewhere in the code or title.

    Chapter F and Z codes come first; then titles that begin with the first word, then titles
    where every word begins a word ("anxiety gen" finds "generalized anxiety" before
    "hallucinogen"), then the rest; within each, by code (a category before its subcodes).
    """
    words = [w for w in (text or "").lower().replace(",", " ").split() if w]
    if not words:
        return queryset.none()
    if len(words) == 1 and looks_like_code(words[0]):
        queryset = _code_prefix(queryset, words[0])
        word_rank: Any = Value(0)
    else:
        for word in words:
            queryset = queryset.filter(search_text__contains=word)
        at_word_starts = Q()
        for word in words:
            at_word_starts &= Q(search_text__contains=f" {word}") | Q(
                search_text__contains=f"({word}"
            )
        word_rank = Case(
            When(description__istartswith=words[0], then=Value(0)),
            When(at_word_starts, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    if billable_only:
        queryset = queryset.filter(is_billable=True)
    return queryset.annotate(
        chapter_rank=Case(
            When(chapter__in=PREFERRED_CHAPTERS, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        word_rank=word_rank,
    ).order_by("chapter_rank", "word_rank", "code")


def find_code(queryset: QuerySet, text: str) -> Any:
    """The code exactly as typed (with or without its dot), or None."""
    return queryset.filter(code=normal_code(text)).first() if text else None


def billable_example(queryset: QuerySet, code: str) -> str:
    """A billable code under a category, to suggest in place of the category itself."""
    found = _code_prefix(queryset, code).filter(is_billable=True).order_by("code").first()
    return found.code if found else ""
