"""The portal's addresses."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.i18n import set_language

from hailin.web.portal import error_pages, field, ledger_pages, map_pages, resumable, views
from hailin.web.portal.api import api

admin.site.site_header = admin.site.site_title = "hailin 海林"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("upload/resumable/", resumable.start, name="resumable_start"),
    path("upload/resumable/<str:token>", resumable.piece, name="resumable_piece"),
    path("field/", field.page, name="field"),
    path("field/sw.js", field.worker, name="field_worker"),
    path("field/manifest.webmanifest", field.manifest, name="field_manifest"),
    path("field/config.json", field.config, name="field_config"),
    path("field/sync", field.sync, name="field_sync"),
    path("field/photos", field.photo, name="field_photo"),
    path("upload/jobs/<str:key>/", views.upload_job, name="upload_job"),
    path("accounts/password/", views.PasswordChange.as_view(), name="password_change"),
    path(
        "accounts/password/done/", views.PasswordChangeDone.as_view(), name="password_change_done"
    ),
    path("uploads/", views.uploads, name="uploads"),
    path("uploads/<str:upload_id>/", views.upload_detail, name="upload_detail"),
    path("uploads/<str:upload_id>/errors.csv", views.upload_errors, name="upload_errors"),
    path("uploads/<str:upload_id>/withdraw", views.upload_withdraw, name="upload_withdraw"),
    path("maps/", map_pages.maps, name="maps"),
    path("maps/<str:name>/", map_pages.map_page, name="map_page"),
    path("maps/<str:name>/assets/<path:asset>", map_pages.map_asset, name="map_asset"),
    path("ledger/", ledger_pages.ledger, name="ledger"),
    path("ledger.xlsx", ledger_pages.ledger_xlsx, name="ledger_xlsx"),
    path("ledger/case/<str:case_id>/", ledger_pages.case, name="case"),
    path("progress/", ledger_pages.progress, name="progress"),
    path("photos/<str:photo_id>/thumb.jpg", views.photo_thumb, name="photo_thumb"),
    path("audit/", views.audit, name="audit"),
    # One login page for everything: the admin's own sends there.
    path("admin/login/", views.admin_login),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler400 = error_pages.bad_request
handler403 = error_pages.forbidden
handler404 = error_pages.not_found
handler500 = error_pages.server_error
