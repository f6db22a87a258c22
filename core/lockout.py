"""Which account a login attempt was for, whichever login form it came from."""

from django.http import HttpRequest


def username_of_attempt(request: HttpRequest, credentials: dict | None) -> str | None:
    """Return the login the attempt named: `login` (email) for bidders, `username` for staff."""
    for source in (credentials or {}, request.POST if request is not None else {}):
        for field in ("login", "username", "email"):
            value = source.get(field)
            if value:
                return str(value).strip().lower()
    return None
