# Shared fixtures come from the root conftest.py (inbox.testing.fixtures).
