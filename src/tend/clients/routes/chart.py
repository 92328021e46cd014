"""URLs for the chart part of the clients app: overview, history, demographics, contacts,
phones, status, care team and break-the-glass."""

from django.urls import path

from tend.clients.views import chart as views

urlpatterns: list = [
    path("<uuid:client_id>/", views.chart, name="chart"),
    path("<uuid:client_id>/history/", views.history, name="history"),
    path("<uuid:client_id>/edit/", views.edit, name="edit"),
    path("<uuid:client_id>/status/", views.status, name="status"),
    path("<uuid:client_id>/contacts/new/", views.contact_add, name="contact_add"),
    path("contacts/<uuid:contact_id>/", views.contact_edit, name="contact_edit"),
    path("<uuid:client_id>/phones/new/", views.phone_add, name="phone_add"),
    path("phones/<uuid:phone_id>/", views.phone_edit, name="phone_edit"),
    path("<uuid:client_id>/care-team/", views.care_team, name="care_team"),
    path("care-team/<uuid:care_id>/end/", views.care_end, name="care_end"),
    path("<uuid:client_id>/break-the-glass/", views.break_glass, name="break_glass"),
]
