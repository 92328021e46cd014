"""Scheduling routes: settings. Appointment types and the scheduling policy (owners and
administrators), and each member's own calendar feed."""

from django.urls import path

from tend.scheduling.views import feeds
from tend.scheduling.views import settings as views

urlpatterns = [
    path("settings/scheduling/", views.scheduling_policy, name="policy"),
    path("settings/appointment-types/", views.appointment_types, name="types"),
    path("settings/appointment-types/add/", views.appointment_type_add, name="type_add"),
    path(
        "settings/appointment-types/<uuid:type_id>/", views.appointment_type_edit, name="type_edit"
    ),
    path("calendar-feed/", feeds.calendar_feed, name="calendar_feed"),
    path("calendar-feed/<uuid:feed_id>/revoke/", feeds.feed_revoke, name="feed_revoke"),
    path("calendar-feed/<uuid:feed_id>/regenerate/", feeds.feed_regenerate, name="feed_regenerate"),
    path("calendar-feed/<uuid:feed_id>/names/", feeds.feed_names, name="feed_names"),
]
