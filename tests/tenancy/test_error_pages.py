"""Error pages never show request data, and the 500 page renders even with the database down."""

from unittest import mock

from django.test import RequestFactory

from tend.core.views import server_error


def test_the_server_error_page_renders_without_touching_the_database():
    request = RequestFactory().get("/clients/?name=Jane+Doe")
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor") as cursor:
        cursor.side_effect = RuntimeError("database is down")
        response = server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "Jane" not in body
