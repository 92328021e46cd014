"""Scheduling routes: working hours and time away, finding a time, Today's status buttons and
the waitlist."""

from django.urls import path

from tend.scheduling.views import availability, waitlist

urlpatterns: list = [
    path("availability/", availability.hours_home, name="working_hours_home"),
    path("availability/<uuid:membership_id>/", availability.hours, name="working_hours"),
    path(
        "availability/<uuid:membership_id>/day/<int:weekday>/",
        availability.hours_day,
        name="working_hours_day",
    ),
    path(
        "availability/<uuid:membership_id>/away/new/",
        availability.exception_add,
        name="exception_add",
    ),
    path(
        "availability/away/<uuid:exception_id>/remove/",
        availability.exception_remove,
        name="exception_remove",
    ),
    path("calendar/find/", availability.find_time, name="find_time"),
    path(
        "today/sessions/<uuid:appointment_id>/status/",
        availability.today_status,
        name="today_status",
    ),
    path("waitlist/", waitlist.waitlist, name="waitlist"),
    path("waitlist/add/<uuid:client_id>/", waitlist.entry_add, name="waitlist_add"),
    path("waitlist/<uuid:entry_id>/", waitlist.entry_edit, name="waitlist_edit"),
    path("waitlist/<uuid:entry_id>/remove/", waitlist.entry_remove, name="waitlist_remove"),
    path("waitlist/<uuid:entry_id>/booked/", waitlist.entry_booked, name="waitlist_booked"),
    path(
        "waitlist/for/<uuid:appointment_id>/",
        waitlist.for_appointment,
        name="waitlist_for_appointment",
    ),
]
