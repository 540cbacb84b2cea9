"""Local development: SQLite by default, mail to the console."""

import os

from .base import *  # noqa: F403
from .base import env_list

DEBUG = True
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-物业超市"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
