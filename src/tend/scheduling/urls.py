"""Scheduling URLs, one routes module per area: the calendar and appointments, scheduling
settings (types, policy, feeds), the client's public links and feeds, availability and the
waitlist."""

from tend.scheduling.routes import api, availability, calendar, public, settings

app_name = "scheduling"

urlpatterns = (
    calendar.urlpatterns
    + settings.urlpatterns
    + public.urlpatterns
    + availability.urlpatterns
    + api.urlpatterns
)
