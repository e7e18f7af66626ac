"""Broken import: a sample plugin that cannot be imported."""

import inbox_module_that_does_not_exist  # noqa: F401
