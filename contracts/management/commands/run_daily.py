from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from contracts.daily import daily_run


class Command(BaseCommand):
    help = "Run the day's rules (trials, contracts, and every app's registered daily rules)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        today = today or timezone.localdate()
        # E-mails go out in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            results = daily_run(today=today)
        for name, result in results.items():
            status = "already ran" if result is None else result
            self.stdout.write(f"{today} {name}: {status}")
