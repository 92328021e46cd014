"""URLs for the consents part of the clients app: the practice's forms and a chart's consents."""

from django.urls import path

from tend.clients.views import consents as views

urlpatterns = [
    path("consent-forms/", views.consent_templates, name="consent_templates"),
    path("consent-forms/add/", views.consent_template_add, name="consent_template_add"),
    path(
        "consent-forms/<uuid:template_id>/",
        views.consent_template_edit,
        name="consent_template_edit",
    ),
    path("<uuid:client_id>/consents/", views.consents, name="consents"),
    path("<uuid:client_id>/consents/add/", views.consent_add, name="consent_add"),
    path("consents/<uuid:consent_id>/", views.consent_edit, name="consent_edit"),
    path("consents/<uuid:consent_id>/revoke/", views.consent_revoke, name="consent_revoke"),
]
