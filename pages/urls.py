from django.urls import URLPattern, URLResolver, path

from pages import verify

app_name = "pages"

urlpatterns: list[URLPattern | URLResolver] = [
    path("verify/", verify.verify, name="verify"),
    path("verify/<str:code>/", verify.verify_document, name="verify_document"),
]
