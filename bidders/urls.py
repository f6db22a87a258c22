from django.urls import URLPattern, path

from bidders import views

app_name = "bidders"

urlpatterns: list[URLPattern] = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("company/", views.company_detail, name="company"),
    path("company/register/", views.register, name="register"),
    path("company/edit/", views.company_edit, name="company_edit"),
    path("company/documents/", views.document_upload, name="upload_document"),
    path("company/documents/<int:pk>/", views.document_download, name="document"),
    path("lots/<int:pk>/", views.lot_detail, name="lot"),
    path("lots/<int:pk>/calendar.ics", views.lot_calendar, name="lot_calendar"),
    path("lots/<int:pk>/apply/", views.lot_apply, name="apply"),
]
