"""URLs for the episodes part of the clients app."""

from django.urls import path

from tend.clients.views import episodes as views

urlpatterns = [
    path("<uuid:client_id>/episodes/", views.episodes, name="episodes"),
    path("<uuid:client_id>/episodes/new/", views.episode_add, name="episode_add"),
    path("episodes/<uuid:episode_id>/", views.episode_edit, name="episode_edit"),
    path("episodes/<uuid:episode_id>/status/", views.episode_status, name="episode_status"),
]
