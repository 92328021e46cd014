"""Scheduling routes: availability."""

urlpatterns: list = []
