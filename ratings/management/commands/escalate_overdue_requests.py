"""Escalate service requests whose response deadline has passed (吹哨报到). Safe to run
hourly (or more often): each request escalates once. The daily run does the same as a
backstop."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from ratings.rules import requests_escalate_now


class Command(BaseCommand):
    help = "Escalate service requests not answered within their SLA."

    def handle(self, *args, **options):
        result = requests_escalate_now(now=timezone.now())
        self.stdout.write(
            f"escalated: {len(result['done'])}, failed: {len(result.get('failed', []))}"
        )
