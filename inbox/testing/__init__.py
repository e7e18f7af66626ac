"""Real servers on loopback for tests and benchmarks (ours and plugin authors').

``inbox.testing.servers`` starts Dovecot and an aiosmtpd sink; ``inbox.testing.fixtures`` is a
pytest plugin with the fixtures (``-p inbox.testing.fixtures``).
"""
