"""The site's URLs plus a view that fails and one that refuses, for the error pages' tests."""

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in the code")


def refuse(request: HttpRequest) -> HttpResponse:
    raise BadRequest("the request makes no sense")


urlpatterns = [path("fail/", fail), path("refuse/", refuse), *site_urlpatterns]
