"""URLs for the insurance part of the clients app: payers, policies, authorisations."""

from django.urls import path

from tend.clients.views import insurance as views

urlpatterns = [
    path("payers/", views.payer_list, name="payers"),
    path("payers/add/", views.payer_add, name="payer_add"),
    path("payers/<uuid:payer_id>/", views.payer_edit, name="payer_edit"),
    path("<uuid:client_id>/insurance/", views.insurance, name="insurance"),
    path("<uuid:client_id>/insurance/add/", views.policy_add, name="policy_add"),
    path("policies/<uuid:policy_id>/", views.policy_edit, name="policy_edit"),
    path("policies/<uuid:policy_id>/card/", views.policy_card, name="policy_card"),
    path(
        "policies/<uuid:policy_id>/authorizations/add/",
        views.authorization_add,
        name="authorization_add",
    ),
    path(
        "authorizations/<uuid:authorization_id>/",
        views.authorization_edit,
        name="authorization_edit",
    ),
]
