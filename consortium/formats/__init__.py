"""Date and number formats per language, ahead of Django's own (settings.FORMAT_MODULE_PATH)."""
