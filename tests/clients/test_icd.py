"""ICD-10-CM reference data: searching (F and Z first, code prefixes), billable codes, and the
idempotent loader behind `tend codes load`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tend.clients.icd import (
    billable_example,
    code_set_version,
    find_code,
    load_codes,
    looks_like_code,
    normal_code,
    search_codes,
)
from tend.clients.models import Diagnosis, IcdCode
from tests.factories import DiagnosisFactory, icd

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes():
    """Mental health (F), factors influencing health (Z) and a chapter that competes (R)."""
    load_codes(chapters=("F", "R", "Z"))
    return IcdCode.objects.all()


def found(codes, text, n=5):
    return [c.code for c in search_codes(codes, text)[:n]]


def test_the_code_set_version_is_the_bundled_release():
    assert code_set_version() == "April 2026"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("F33.1", "F33.1"), ("f331", "F33.1"), (" f33 ", "F33"), ("F43.10", "F43.10"), ("z6", "Z6")],
)
def test_typed_codes_are_normalised(typed, stored):
    assert normal_code(typed) == stored


def test_words_are_not_mistaken_for_codes():
    assert looks_like_code("F33.1") and looks_like_code("z63")
    assert not looks_like_code("depress") and not looks_like_code("ptsd")


def test_a_code_prefix_finds_the_category_then_its_subcodes(codes):
    assert found(codes, "F33", 3) == ["F33", "F33.0", "F33.1"]
    assert found(codes, "f33.1", 1) == ["F33.1"]
    assert found(codes, "F331", 1) == ["F33.1"]
    assert found(codes, "z63", 1) == ["Z63"]


def test_word_searches_put_chapters_f_and_z_first(codes):
    chapters = [c.chapter for c in search_codes(codes, "alcohol")]
    assert {"F", "Z", "R"} <= set(chapters)  # R78.0: alcohol found in blood
    first_other = next(i for i, ch in enumerate(chapters) if ch not in "FZ")
    assert all(ch not in "FZ" for ch in chapters[first_other:])


def test_every_word_must_match(codes):
    results = list(search_codes(codes, "anxiety gen"))
    assert results
    assert all("anxiety" in c.search_text and "gen" in c.search_text for c in results)


def test_words_at_the_start_of_words_rank_first(codes):
    assert found(codes, "anxiety gen", 1) == ["F41.1"]  # not "hallucinogen ... anxiety"
    assert found(codes, "generalized anxiety", 1) == ["F41.1"]


def test_an_empty_search_finds_nothing(codes):
    assert list(search_codes(codes, "  ")) == []


def test_billable_only_leaves_out_categories(codes):
    assert "F33" not in [c.code for c in search_codes(codes, "F33", billable_only=True)]


def test_leaves_are_billable_and_categories_are_not(codes):
    assert IcdCode.objects.get(code="F33.1").is_billable
    assert not IcdCode.objects.get(code="F33").is_billable
    assert IcdCode.objects.get(code="F33.1").description == (
        "Major depressive disorder, recurrent, moderate"
    )


def test_a_billable_example_is_offered_for_a_category(codes):
    assert billable_example(codes, "F33") == "F33.0"
    assert find_code(codes, "f41.1").code == "F41.1"
    assert find_code(codes, "F99.99") is None


def test_the_loader_is_idempotent():
    IcdCode.objects.filter(chapter="F").delete()  # as before the first load
    first = load_codes(chapters=("F",))
    assert first.inserted == first.total > 700
    second = load_codes(chapters=("F",))
    assert (second.inserted, second.updated, second.removed) == (0, 0, 0)
    assert IcdCode.objects.filter(chapter="F").count() == first.total


def test_the_loader_refreshes_a_changed_title():
    load_codes(chapters=("F",))
    IcdCode.objects.filter(code="F33.1").update(description="Old wording")
    result = load_codes(chapters=("F",))
    assert result.updated == 1
    assert IcdCode.objects.get(code="F33.1").description.startswith("Major depressive")


def test_codes_dropped_from_the_release_are_removed_unless_a_diagnosis_uses_them():
    load_codes(chapters=("F",))
    retired = IcdCode.objects.create(
        code="F99.9", description="Retired", is_billable=True, chapter="F", version="Old"
    )
    in_use = IcdCode.objects.create(
        code="F99.8", description="Retired too", is_billable=True, chapter="F", version="Old"
    )
    DiagnosisFactory(code=in_use)
    result = load_codes(chapters=("F",))
    assert (result.removed, result.kept_in_use) == (1, 1)
    assert not IcdCode.objects.filter(pk=retired.pk).exists()
    assert Diagnosis.objects.get().code == in_use


def test_the_codes_command_loads_and_reports_counts():
    IcdCode.objects.filter(chapter="F").delete()
    out = StringIO()
    call_command("codes", "load", "--chapter", "F", stdout=out)
    total = IcdCode.objects.filter(chapter="F").count()
    assert f"{total} codes; {total} inserted, 0 updated, 0 removed" in out.getvalue()
    out = StringIO()
    call_command("codes", "load", "--chapter", "f", stdout=out)
    assert " 0 inserted, 0 updated, 0 removed" in out.getvalue()


def test_the_codes_command_reports_the_status():
    icd("F33.1")
    out = StringIO()
    call_command("codes", "status", stdout=out)
    text = out.getvalue()
    assert "ICD-10-CM April 2026" in text
    count = IcdCode.objects.count()
    billable = IcdCode.objects.filter(is_billable=True).count()
    assert f"Codes: {count} ({billable} billable" in text
