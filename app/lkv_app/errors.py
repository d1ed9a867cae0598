"""Errors the app shows to its users: each message says what was wrong and what is allowed."""

from __future__ import annotations


class AppError(Exception):
    """A problem the user can act on; ``str(e)`` is shown in the UI as is (never a traceback)."""


class InputRejected(AppError):
    """An upload, question or setting that is not allowed (nothing stored was changed)."""


class ServerUnavailable(AppError):
    """The model server could not be reached or answered with an error."""
