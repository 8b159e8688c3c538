"""Routes of the Mon Espace sign-in (under /accounts/oidc/)."""

from django.urls import path

from . import views

app_name = "oidc"

urlpatterns = [
    path("login/", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
    path("link/", views.confirm_link, name="confirm_link"),
]
