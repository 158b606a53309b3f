"""Settings shared by every environment; everything deployment-specific comes from the
environment (DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_celery_beat",
    "axes",
    "core",
    "accounts",
    "customers",
    "brands",
    "markets",
    "surveys",
    "cycle",
    "reports",
    "imports",
    "home",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # before anything reads the request: NUL in the path is a 400, control characters are
    # stripped from the query, the form, the headers and the cookies
    "core.request_hygiene.RequestHygieneMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last, as django-axes asks: turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "home.context_processors.navigation",
                "accounts.context_processors.access",
            ],
        },
    },
]

# every form's labels without a suffix: they sit above their fields (core/forms.py)
FORM_RENDERER = "core.forms.FormRenderer"

if django.VERSION < (6, 0):
    # Django 6 has {% partialdef %} built in; 5.2 (Python 3.11) gets the same tags and the
    # "page.html#partial" loader from this package.
    INSTALLED_APPS.append("template_partials")
    TEMPLATES[0]["OPTIONS"]["builtins"] = ["template_partials.templatetags.partials"]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several requests at once: a transaction takes the write
    # lock when it begins (a deferred one that reads first and writes later fails at once
    # with "database is locked" when another writer holds it), writers wait up to
    # SQLITE_BUSY_SECONDS for each other, and WAL lets pages read while one request writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("SQLITE_BUSY_SECONDS", "20")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that drops packets would otherwise hold every request (and /healthz)
    # for the operating system's two-minute TCP timeout; the user gets the 503 page instead.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DB_CONNECT_TIMEOUT", "5")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# AxesStandaloneBackend only refuses locked-out logins; ModelBackend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # shelf photos (cycle.models.ShelfPhoto): files under MEDIA_ROOT/photos/ by default, served
    # only through the photo views, which check who may see the visit; production may put them
    # in S3-compatible object storage instead (README: "Shelf photos in object storage")
    "photos": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}
if os.environ.get("PHOTO_STORAGE_BUCKET"):
    # django-storages (pip install -e ".[s3]"): a private bucket, never public URLs
    STORAGES["photos"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["PHOTO_STORAGE_BUCKET"],
            "endpoint_url": os.environ.get("PHOTO_STORAGE_ENDPOINT") or None,
            "region_name": os.environ.get("PHOTO_STORAGE_REGION") or None,
            "access_key": os.environ.get("PHOTO_STORAGE_ACCESS_KEY") or None,
            "secret_key": os.environ.get("PHOTO_STORAGE_SECRET_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- Exports (reports/export_jobs.py) ------------------------------------------------------
# Files written by export jobs live under MEDIA_ROOT/exports/. Nothing under MEDIA_ROOT is
# served publicly (no URL pattern, and the proxy must not serve it either): the download
# view checks the requester. Web and worker must share this folder (docker-compose: volume).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "/media/"
# An export of more rows than this runs as a Celery job with progress and a download link;
# smaller ones are answered directly.
EXPORT_SYNC_MAX_ROWS = int(os.environ.get("EXPORT_SYNC_MAX_ROWS", "5000"))
# Finished export jobs and their files are deleted after this many days (daily task).
EXPORT_KEEP_DAYS = int(os.environ.get("EXPORT_KEEP_DAYS", "7"))

# --- Uploads (imports/upload_checks.py) ---------------------------------------------------
# Largest file each upload accepts; bigger data files go through the import_data command,
# which has no limit. The reverse proxy's body limit should be a little above the largest.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
FORECAST_IMPORT_MAX_BYTES = int(os.environ.get("FORECAST_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
# What a file may hold once opened (core/tabular/reading.py streams it and stops at the first limit
# it passes). Data rows under the header: by default what one Excel sheet holds (import_data
# --max-rows raises it for a bigger CSV). A customer manager's forecast file has one row per
# customer of theirs, plus FORECAST_IMPORT_EXTRA_ROWS (a few wrong rows get row errors).
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "1048575"))
FORECAST_IMPORT_EXTRA_ROWS = int(os.environ.get("FORECAST_IMPORT_EXTRA_ROWS", "20"))
# An .xlsx is a zip: the size of its parts once decompressed, read from the zip's directory
# before anything is expanded (a million order lines are about 250 MB of sheet XML; a part
# inflating more than 100-fold is refused whatever its size).
IMPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("IMPORT_MAX_UNZIPPED_BYTES", str(512 * 1024 * 1024)))
FORECAST_IMPORT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("FORECAST_IMPORT_MAX_UNZIPPED_BYTES", str(20 * 1024 * 1024))
)
# Row errors a report lists (import page, forecast import, import_data); the rest are counted.
IMPORT_MAX_ERRORS = int(os.environ.get("IMPORT_MAX_ERRORS", "200"))
# Form fields other than files: Django's default, far above the largest form (forecast grid).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Files up to this size stay in memory; larger ones go to a temporary file, which stops
# growing past the largest limit above (an oversized upload is refused by its real size).
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "core.tabular.upload_checks.CappedTemporaryFileUploadHandler",
]

# --- Shelf photos and check-in location (cycle/services/photos.py, core/images.py) -------
# Largest photo a visit page accepts as uploaded (the server then shrinks it to at most
# 1600 px and 300 KB); most phones' photos are 2-8 MB, the browser shrinks them first anyway.
PHOTO_MAX_UPLOAD_BYTES = int(os.environ.get("PHOTO_MAX_UPLOAD_BYTES", str(15 * 1024 * 1024)))
# Pixels a photo may have before anything is decoded (a decompression bomb is a small file
# declaring a huge picture): 64 million is above any phone camera's normal mode.
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(64_000_000)))
# Photos one visit may hold.
PHOTO_MAX_PER_VISIT = int(os.environ.get("PHOTO_MAX_PER_VISIT", "20"))
# The browser's position at check-in (with its accuracy), stored on the visit; the visit
# audit lists check-ins farther than VISIT_LOCATION_MAX_METERS from the customer's
# coordinates. Off by default: each company decides whether its managers are located.
VISIT_LOCATION_ENABLED = env_bool("VISIT_LOCATION_ENABLED", False)
VISIT_LOCATION_MAX_METERS = int(os.environ.get("VISIT_LOCATION_MAX_METERS", "500"))

# --- Login throttling (django-axes) ------------------------------------------------------
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address lock that pair out
# for LOGIN_LOCKOUT_MINUTES; a successful login resets the count. Admins lift a lockout
# early in the admin site (Axes → Access attempts: delete the row). config.settings.test
# switches it off; tests/test_security.py switches it back on.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The page promises "try again in 15 minutes": more attempts while locked do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: trust only
# the connection's address). Behind the intranet proxy this is 1.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- Security headers: in every environment, so a page that breaks them breaks early ------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
try:  # Content-Security-Policy is built into Django 6; 5.2 (Python 3.11) sends none
    from django.utils.csp import CSP
except ImportError:
    CSP = None
if CSP is not None:
    # Everything is served by the app itself (no CDN). Scripts come only from static files
    # (or an inline <script nonce="{{ csp_nonce }}">): no inline event handlers, data-*
    # attributes wired by static/js/behaviours.js instead. Inline styles stay allowed:
    # templates set CSS variables in style="" and htmx adds its indicator <style>.
    SECURE_CSP = {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
        "img-src": [CSP.SELF, "data:"],
        "font-src": [CSP.SELF],
        "connect-src": [CSP.SELF],
        # the service worker (/sw.js) and the web app manifest: core/pwa.py
        "worker-src": [CSP.SELF],
        "manifest-src": [CSP.SELF],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.SELF],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
    )
    TEMPLATES[0]["OPTIONS"]["context_processors"].append("django.template.context_processors.csp")

# --- Customer satisfaction (surveys/) ----------------------------------------------------
# The address customers reach the app at from their own phones: the QR code of a customer's
# satisfaction link (visit sheet, customer card) leaves the intranet context, so its absolute
# URL is built from this base, not from the request (e.g. https://135.example.com).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
# Customers per team and survey period drawn for the market manager's phone callbacks.
SURVEY_CALLBACK_SAMPLE_SIZE = int(os.environ.get("SURVEY_CALLBACK_SAMPLE_SIZE", "30"))
# Wrong or expired satisfaction links one address may open in 10 minutes before it is
# refused (429): the links are signed and cannot be guessed, this stops a script trying.
SURVEY_LINK_MAX_FAILURES = int(os.environ.get("SURVEY_LINK_MAX_FAILURES", "20"))

# Where the ``no_visit`` warning rule counts each customer's valid visits of a month
# (cycle/strategy/visit_source.py); empty skips the rule.
CYCLE_VISIT_SOURCE = "cycle.execution_counts.valid_visits_by_customer"

# Where the monthly indicators count the actions and visits planned and done (the hook of
# reports/execution_source.py: reports sits below cycle); empty leaves those counts empty.
REPORTS_EXECUTION_SOURCE = "cycle.execution_counts.month_execution"

# Where the customer page (markets, below reports) reads a customer's stored gross profit per
# month (markets/profit_source.py); empty leaves the page without it.
MARKETS_PROFIT_SOURCE = "reports.selectors.customer_profit_months"

# Where the customer page (markets, below cycle) reads the customer's latest shelf photos
# (markets/photo_source.py); empty leaves the page without them.
MARKETS_PHOTO_SOURCE = "cycle.selectors.photos.customer_latest_photos"

# Called with month= once the indicator job has written a month (reports/services.py
# ``month_written``): the month's warnings are computed and stored (cycle.strategy.store),
# and the year's annual segment table is computed into the cache (reports/annual.py).
REPORTS_MONTH_WRITTEN = ["cycle.tasks.after_indicators", "reports.tasks.warm_annual_later"]

# What the customer page (markets/customer_overview.py; markets sits below cycle) lists as
# the standard actions done at the customer and what changed after each (the measured action
# effects, cycle/strategy/effects.py); empty shows no such section.
MARKETS_CUSTOMER_OUTCOMES = "cycle.selectors.effects.customer_action_outcomes"

# --- Redis: broker and cache when REDIS_URL is set, otherwise in-process ---------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Seconds any one Redis connect or command may take (broker, result store, cache, /healthz):
# an unreachable or hung Redis fails a request in seconds instead of holding it.
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "2"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.resilient_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Background jobs when Redis is down or a worker dies (core/queue.py, core/heartbeat.py) --
# Publishing a job from a request: one quick retry (a pooled connection to a restarted Redis
# fails once), each attempt bounded by REDIS_TIMEOUT_SECONDS; about 2-5 s in all before the
# job is marked failed with a message. The request never waits on the result store: jobs
# are sent with ignore_result (their rows carry the outcome).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.2,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Longest any task may run before its worker process is killed (the job then stops beating
# and is swept as stale). The slowest jobs today take minutes (a 1M-line order import, a
# city-scale export); the monthly indicators about 20 s.
JOB_TIME_LIMIT_SECONDS = int(os.environ.get("JOB_TIME_LIMIT_SECONDS", str(30 * 60)))
CELERY_TASK_TIME_LIMIT = JOB_TIME_LIMIT_SECONDS
# Redis transport: a task taken by a worker that dies before acknowledging it (acks_late) is
# handed out again after visibility_timeout. It must exceed the time limit, or a job still
# running would be handed to a second worker. Every job task is idempotent: a redelivered
# task of a job that started, finished, failed or went stale does nothing.
BROKER_VISIBILITY_TIMEOUT = int(
    os.environ.get("BROKER_VISIBILITY_TIMEOUT", str(JOB_TIME_LIMIT_SECONDS + 30 * 60))
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT_SECONDS
# A running job stamps a heartbeat (progress, and a thread every fifth of this) while its
# worker lives; one silent for this long lost its worker: it shows as failed and may be
# started again, and the sweep task records it failed. A job still waiting in the queue is
# given up after BROKER_VISIBILITY_TIMEOUT + this (a worker that died holding it hands it
# back only after the visibility timeout).
JOB_STALE_AFTER_SECONDS = int(os.environ.get("JOB_STALE_AFTER_SECONDS", "300"))
# An export asked for again by the same user with the same parameters reuses the one waiting,
# running or finished within this many seconds instead of starting another.
EXPORT_REUSE_SECONDS = int(os.environ.get("EXPORT_REUSE_SECONDS", "600"))

# The monthly indicator task splits a month into this many shards of customer managers, one
# Celery task each, so that the workers (on as many machines) share it (reports/fanout.py);
# 1 computes the month in one process. A few shards per worker process keeps them all busy.
INDICATOR_SHARDS = max(1, int(os.environ.get("INDICATOR_SHARDS", "1")))

# Monthly indicators (DESIGN.md §5): the month that just ended, at 02:00 on the 1st
# (CELERY_TIMEZONE). The database scheduler copies this entry into django_celery_beat.
CELERY_BEAT_SCHEDULE = {
    "indicators-previous-month": {
        "task": "reports.tasks.compute_previous_month",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    # core.tasks.purge_export_jobs, under the name it had in reports.tasks (beat's stored
    # schedule and queued messages name it so); likewise reports.tasks.run_export_job
    "exports-purge": {
        "task": "reports.tasks.purge_export_jobs",
        "schedule": crontab(minute=30, hour=3),
    },
    # runs, exports and imports whose worker died: recorded failed (JOB_STALE_AFTER_SECONDS)
    "reports-jobs-sweep": {
        "task": "reports.tasks.sweep_stale_jobs",
        "schedule": crontab(minute="*/5"),
    },
    "warnings-runs-sweep": {
        "task": "cycle.tasks.sweep_stale_warning_runs",
        "schedule": crontab(minute="*/5"),
    },
    "imports-jobs-sweep": {
        "task": "imports.tasks.sweep_stale_import_jobs",
        "schedule": crontab(minute="*/5"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every step of every PDF at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes: keep the lockout warnings, not its start banner and per-attempt notes
        "axes": {"level": "WARNING"},
    },
}
