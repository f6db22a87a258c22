"""Decorators for views that only bidders may open."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from bidders import services
from core.roles import is_ministry_staff

View = Callable[..., HttpResponse]


def bidders_only(view: View) -> View:
    """Send ministry staff away from a bidder's page, saying why: staff never take part."""

    @wraps(view)
    def view_for_bidders(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if is_ministry_staff(request.user):
            messages.error(request, services.staff_refusal(request.user).message)
            return redirect("admin:index" if request.user.is_staff else "home")
        return view(request, *args, **kwargs)

    return view_for_bidders
