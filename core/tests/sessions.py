"""Login sessions for tests of what a session still allows."""

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client


def logged_in(user: AbstractBaseUser) -> str:
    """Log the user in as a browser would and return the session's key."""
    client = Client()
    client.force_login(user)
    key = client.session.session_key
    assert key is not None
    return key
