"""Tend's URL map: each app brings its own urls module."""

from django.urls import include, path

urlpatterns = [
    path("", include("tend.practices.urls")),
    path("accounts/", include("tend.accounts.urls")),
    path("clients/", include("tend.clients.urls")),
    path("", include("tend.scheduling.urls")),
    path("", include("tend.core.urls")),
]

handler400 = "tend.core.views.bad_request"
handler403 = "tend.core.views.permission_denied"
handler404 = "tend.core.views.page_not_found"
handler500 = "tend.core.views.server_error"
