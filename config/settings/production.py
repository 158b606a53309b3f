"""Production: PostgreSQL, Redis, gunicorn behind the intranet's TLS-terminating reverse
proxy. Security headers shared with every environment (CSP, X-Frame-Options, nosniff,
Referrer-Policy, COOP) and login throttling are in base.py; README "Security" lists the
environment variables."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

if not SECRET_KEY or len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of 50+ characters")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set")

DEBUG = False
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- HTTPS -------------------------------------------------------------------------------
# The proxy terminates TLS and tells us in X-Forwarded-Proto (it must overwrite whatever a
# client sends in that header).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
if not SECURE_SSL_REDIRECT:
    # switched off on purpose because the proxy already redirects http → https
    SILENCED_SYSTEM_CHECKS = ["security.W008"]
# the container health check and the load balancer speak plain http to the container
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Cookies and sessions ----------------------------------------------------------------
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: pages carry the token (hx-headers on <body>, forms).
CSRF_COOKIE_HTTPONLY = True
# One working day; closing the browser ends the session too (shared office computers).
SESSION_COOKIE_AGE = int(float(os.environ.get("SESSION_HOURS", "8")) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
