"""Scheduling routes: public."""

urlpatterns: list = []
