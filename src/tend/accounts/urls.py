from django.urls import path

from tend.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("unlock/<uuid:membership_id>/", views.unlock, name="unlock"),
    path("mfa/", views.mfa_settings, name="mfa"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/backup-codes/", views.backup_codes, name="backup_codes"),
    path("mfa/backup-codes/new/", views.regenerate_backup_codes, name="regenerate_backup_codes"),
    path("mfa/turn-off/", views.mfa_disable, name="mfa_disable"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<str:link_id>/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("email/", views.email_change, name="email_change"),
    path("email/confirm/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("session/keepalive/", views.keepalive, name="keepalive"),
    path("session/status/", views.session_status, name="session_status"),
]
