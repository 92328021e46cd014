from django.urls import path

from tend.practices import views

app_name = "practices"
urlpatterns = [
    path("", views.today, name="today"),
    path("practices/choose/", views.choose_practice, name="choose"),
]
