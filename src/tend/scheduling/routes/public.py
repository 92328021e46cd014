"""Scheduling routes that need no account: the client's confirm and cancel links from a
reminder, and clinicians' calendar feeds. Each is keyed by a secret token."""

from django.urls import path

from tend.scheduling.views import feeds, public

urlpatterns = [
    path("r/<str:token>/", public.client_link, name="client_link"),
    path("r/<str:token>/cancel/", public.client_cancel, name="client_cancel"),
    path("feeds/<str:token>.ics", feeds.feed, name="feed"),
]
