"""Scheduling routes: the calendar's JSON endpoints."""

from django.urls import path

from tend.scheduling.views import api as views

urlpatterns: list = [
    path("calendar/api/book/", views.book_json, name="book-json"),
]
