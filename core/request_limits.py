"""Request bodies past REQUEST_BODY_MAX_BYTES are refused with 413 before they are stored.

Django's ASGI handler reads a whole request body into a temporary file before any
middleware, upload handler or view sees it. This ASGI middleware stands in front: a body
that says it is too large is refused unread, and one that grows too large while it
streams (no Content-Length, or a false one) is cut off there.
"""

import json

from asgiref.typing import (
    ASGIReceiveCallable,
    ASGIReceiveEvent,
    ASGISendCallable,
    ASGISendEvent,
    HTTPScope,
    Scope,
)
from django.conf import settings
from django.utils.translation import gettext


class BodySizeLimit:
    """ASGI middleware: answer 413 to an HTTP request whose body passes the limit."""

    def __init__(self, application: object) -> None:
        self.application = application

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "http":
            await self.application(scope, receive, send)  # type: ignore[operator]
            return
        limit = settings.REQUEST_BODY_MAX_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send)
            return
        received = 0
        is_cut_off = False
        has_response_started = False

        async def limited_receive() -> ASGIReceiveEvent:
            nonlocal received, is_cut_off
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # To Django this is a client that went away: it stops reading and
                    # answers nothing, and the refusal below is sent instead.
                    is_cut_off = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: ASGISendEvent) -> None:
            nonlocal has_response_started
            has_response_started = True
            await send(message)

        await self.application(scope, limited_receive, watched_send)  # type: ignore[operator]
        if is_cut_off and not has_response_started:
            await _refuse(scope, send)


def _content_length(scope: HTTPScope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: HTTPScope, send: ASGISendCallable) -> None:
    megabytes = settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)
    message = gettext("The request is larger than %(megabytes)s MB.") % {"megabytes": megabytes}
    if scope["path"].startswith("/api/"):
        body = json.dumps({"code": "too_large", "message": message}).encode()
        content_type = b"application/json"
    else:
        body = message.encode()
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body is never read: the connection cannot be reused.
                (b"connection", b"close"),
            ],
            "trailers": False,
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
