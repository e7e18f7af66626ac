"""Sample plugins for the plugin host's tests, loaded through EXTRA_PLUGINS (not test modules)."""
