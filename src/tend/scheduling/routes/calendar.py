"""Scheduling routes: calendar."""

urlpatterns: list = []
