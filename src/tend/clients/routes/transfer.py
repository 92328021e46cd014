"""URLs for the transfer part of the clients app: CSV import and exports."""

from django.urls import path

from tend.clients.views import transfer as views

urlpatterns: list = [
    path("import/", views.import_upload, name="import"),
    path("import/columns/", views.import_map, name="import_map"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/run/", views.import_run, name="import_run"),
    path("import/cancel/", views.import_cancel, name="import_cancel"),
    path("export.csv", views.export_caseload, name="export"),
    path("<uuid:client_id>/export.csv", views.client_export, name="client_export"),
]
