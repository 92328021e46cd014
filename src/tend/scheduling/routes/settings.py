"""Scheduling routes: settings."""

urlpatterns: list = []
