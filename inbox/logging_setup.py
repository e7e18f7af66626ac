"""Keep secrets out of logs: any configured secret value is masked wherever it would appear."""

from __future__ import annotations

import logging


class RedactingFilter(logging.Filter):
    def __init__(self, secrets_fn):
        super().__init__()
        self._secrets_fn = secrets_fn

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [s for s in self._secrets_fn() if s and len(s) >= 4]
        if not secrets:
            return True

        def mask(text: str) -> str:
            for secret in secrets:
                text = text.replace(secret, "********")
            return text

        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        # a secret inside an exception's message would otherwise be printed by the formatter's
        # traceback (log.exception); format it here, masked, and the formatter reuses exc_text
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


_registered: list = []


def register_secret(value: str | None) -> None:
    """Call with any clear-text secret the process handles (decrypted passwords, API keys)."""
    if value and value not in _registered:
        _registered.append(value)


def install_redaction(app) -> None:
    def secrets():
        return [app.config.get("SECRET_KEY"), app.config.get("ENCRYPTION_KEY"), *_registered]

    flt = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
