"""URLs for the documents part of the clients app."""

from django.urls import path

from tend.clients.views import documents as views

urlpatterns = [
    path("<uuid:client_id>/documents/", views.document_list, name="documents"),
    path("<uuid:client_id>/documents/add/", views.document_add, name="document_add"),
    path(
        "documents/<uuid:document_id>/download/",
        views.document_download,
        name="document_download",
    ),
    path("documents/<uuid:document_id>/archive/", views.document_archive, name="document_archive"),
]
