"""One error hierarchy: every refusal the product gives a person carries a Chinese message."""


class XinfangError(Exception):
    """A refusal to show to the person who asked, in Chinese."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionRefusedError(XinfangError):
    pass


class InputError(XinfangError):
    pass


class ConflictError(XinfangError):
    """Someone else changed the object first; nothing was written."""
