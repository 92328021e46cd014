from django.urls import path

from tend.practices import views

app_name = "practices"
urlpatterns = [
    path("", views.today, name="today"),
    path("signup/", views.signup, name="signup"),
    path("practices/new/", views.create_practice, name="create"),
    path("practices/choose/", views.choose_practice, name="choose"),
    path("settings/", views.practice_settings, name="settings"),
    path("settings/locations/", views.location_list, name="locations"),
    path("settings/locations/add/", views.location_add, name="location_add"),
    path("settings/locations/<uuid:location_id>/", views.location_detail, name="location"),
    path(
        "settings/locations/<uuid:location_id>/archive/",
        views.location_archive,
        name="location_archive",
    ),
    path("settings/locations/<uuid:location_id>/rooms/add/", views.room_add, name="room_add"),
    path("settings/rooms/<uuid:room_id>/", views.room_detail, name="room"),
    path("settings/rooms/<uuid:room_id>/archive/", views.room_archive, name="room_archive"),
    path("settings/staff/", views.staff_list, name="staff"),
    path("settings/staff/invite/", views.invite, name="invite"),
    path("settings/staff/<uuid:membership_id>/", views.member_detail, name="member"),
    path(
        "settings/staff/<uuid:membership_id>/active/",
        views.member_set_active,
        name="member_set_active",
    ),
    path(
        "settings/staff/<uuid:membership_id>/profile/",
        views.member_clinician_profile,
        name="member_clinician_profile",
    ),
    path(
        "settings/invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("profile/", views.clinician_profile, name="clinician_profile"),
    path("invitations/<str:token>/accept/", views.accept_invitation, name="accept_invitation"),
]
