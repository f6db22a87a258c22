from django.urls import URLPattern, URLResolver, path

from pages import verify

app_name = "pages"

urlpatterns: list[URLPattern | URLResolver] = [
    path("verify/", verify.verify, name="verify"),
    # Before the code pattern: a code is never this long.
    path("verify/nedra-signing-root.pem", verify.trust_root, name="trust_root"),
    path("verify/<str:code>/", verify.verify_document, name="verify_document"),
]
