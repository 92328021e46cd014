"""URLs for the caseload part of the clients app."""

from django.urls import path

from tend.clients.views import caseload as views

urlpatterns: list = [
    path("", views.caseload, name="caseload"),
    path("new/", views.register, name="register"),
    path("reassign/", views.reassign, name="reassign"),
    path("break-the-glass/", views.break_glass_review, name="break_glass_review"),
]
