"""URLs for the diagnoses part of the clients app."""

from django.urls import path

from tend.clients.views import diagnoses as views

urlpatterns = [
    path("<uuid:client_id>/diagnoses/", views.diagnoses, name="diagnoses"),
    path("<uuid:client_id>/diagnoses/new/", views.diagnosis_add, name="diagnosis_add"),
    path("diagnoses/<uuid:diagnosis_id>/", views.diagnosis_edit, name="diagnosis_edit"),
    path("diagnoses/<uuid:diagnosis_id>/move/", views.diagnosis_move, name="diagnosis_move"),
    path("icd-10-cm/search/", views.icd_search, name="icd_search"),
]
