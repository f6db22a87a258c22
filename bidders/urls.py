from django.urls import URLPattern, path

from bidders import views

app_name = "bidders"

urlpatterns: list[URLPattern] = [
    path("company/", views.company_detail, name="company"),
    path("company/register/", views.register, name="register"),
    path("company/edit/", views.company_edit, name="company_edit"),
    path("company/documents/", views.document_upload, name="upload_document"),
    path("company/documents/<int:pk>/", views.document_download, name="document"),
]
