from django.core.management.base import BaseCommand

from contracts.payments.reconcile import reconcile_payments


class Command(BaseCommand):
    help = "Compare open and paid invoices with Stripe's PaymentIntents; fix what is safe."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        report = reconcile_payments(fix=not dry_run)
        self.stdout.write(f"checked {report.checked} invoices")
        for line in report.fixed:
            self.stdout.write(self.style.SUCCESS(f"fixed: {line}"))
        for line in report.problems:
            self.stdout.write(self.style.WARNING(f"problem: {line}"))
        if not report.fixed and not report.problems:
            self.stdout.write("no differences")
