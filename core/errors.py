"""The one domain error type: a stable machine code and a human message."""


class DomainError(Exception):
    """A rule of the domain refused an action; `code` is part of the wire contract."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
