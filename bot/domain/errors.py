"""The one error a parser or rule raises when an answer is not acceptable."""


class Invalid(ValueError):
    """An answer the user must correct.

    `message` is a gettext message id (English source text with `{name}` placeholders),
    `params` fill the placeholders once the message is translated at the edge.
    """

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Invalid({self.message!r}, {self.params!r})"
