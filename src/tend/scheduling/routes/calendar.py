"""Scheduling routes: the calendar, its data, booking and the appointment pages."""

from django.urls import path

from tend.scheduling.views import appointments, calendar

urlpatterns = [
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/events/", calendar.events, name="events"),
    path("calendar/hours/", calendar.hours, name="hours"),
    path("calendar/book/", appointments.book, name="book"),
    path("appointments/<uuid:appointment_id>/", appointments.detail, name="appointment"),
    path("appointments/<uuid:appointment_id>/edit/", appointments.edit, name="appointment_edit"),
    path("appointments/<uuid:appointment_id>/move/", calendar.move, name="appointment_move"),
    path(
        "appointments/<uuid:appointment_id>/status/",
        appointments.change_status,
        name="appointment_status",
    ),
    path(
        "appointments/<uuid:appointment_id>/cancel/",
        appointments.cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<uuid:appointment_id>/attendance/",
        appointments.attendance,
        name="appointment_attendance",
    ),
    path(
        "appointments/<uuid:appointment_id>/reschedule/",
        appointments.reschedule,
        name="appointment_reschedule",
    ),
]
