"""Developer machine: the embedded default (SQLite, eager Celery) unless the environment
says otherwise."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "local-development-only-not-secret"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS or ["*"]  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Serve static files straight from the app folders; nothing is collected in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
