# Production image: gunicorn web, Celery worker and beat all run from it.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

# WeasyPrint needs pango; HarfBuzz's subsetter keeps PDF rendering fast; Noto CJK gives
# the Chinese glyphs; gettext compiles the translations.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-noto-cjk gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install . \
 && useradd --system --home /app app \
 && mkdir -p /app/media \
 && SECRET_KEY=build-only-secret-key-build-only-secret-key-build-only \
    python manage.py compilemessages -v 0 \
 && SECRET_KEY=build-only-secret-key-build-only-secret-key-build-only \
    python manage.py collectstatic --noinput -v 0 \
 && chown -R app /app
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--timeout", "120", "--access-logfile", "-"]
