"""Settings for bench/catalogue.py: production settings (DEBUG off, whitenoise manifest,
database cache) served over plain HTTP on 127.0.0.1, plus the bare comparison view."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
# Persistent database connections, as a production deployment sets them: without them
# every request opens a PostgreSQL connection (a new server process) first.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")

from config.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", "/tmp/wuye-bench-static")
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
