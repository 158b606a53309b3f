import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Unit tests run tasks in-process; the Celery round-trip test starts its own worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Serve static files straight from the app folders; nothing is collected in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# django-axes needs the request in every authenticate() call; tests that call it bare (and
# force_login) would trip over it. tests/test_security.py switches throttling back on.
AXES_ENABLED = False

# Export files of the tests go to a scratch folder, not the checkout (a Celery worker started
# by a test is handed the same MEDIA_ROOT through the environment).
MEDIA_ROOT = Path(
    os.environ.get("MEDIA_ROOT") or Path(tempfile.gettempdir()) / "work135-test-media"
)
