"""Root URL configuration."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from . import privacy_views, two_factor_views, views
from .admin_site import admin_site
from .forms import EmailAuthenticationForm, QueuedPasswordResetForm
from .oidc import views as oidc_views

app_urls = (
    [
        path("dashboard/", views.dashboard_view, name="dashboard"),
        path("account/data/", privacy_views.my_data, name="my_data"),
        path("privacy/", privacy_views.privacy_notice, name="privacy_notice"),
        path(
            "establishments/<int:fase_number>/staff/",
            views.establishment_staff,
            name="establishment_staff",
        ),
    ],
    "lms",
)

auth_patterns = [
    path(
        "login/",
        oidc_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("logout/", oidc_views.LogoutView.as_view(), name="logout"),
    path("oidc/", include("lms.oidc.urls")),
    path(
        "two-factor/",
        include((two_factor_views.urlpatterns, "two_factor"), namespace="two_factor"),
    ),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=QueuedPasswordResetForm,
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password-change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password-change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/set-language/", views.set_language, name="set_language"),
    path("accounts/", include(auth_patterns)),
    path("", include(app_urls)),
    path("courses/", include("courses.urls")),
    path("catalogue/", include("catalogue.urls")),
    path("tutoring/", include("tutoring.urls")),
    path("live/", include("live.urls")),
    path("certification/", include("certification.urls")),
    path(".well-known/", include("certification.urls.well_known")),
    path("api/v1/catalogue/", include("catalogue.api_urls")),
    path("api/v1/selftest/", include("certification.urls.selftest_api")),
    path("django-admin/", admin_site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving stays last: it answers every path not matched above.
urlpatterns.append(path("", include(wagtail_urls)))
