"""Signals other apps listen to.

- ``engagement_ended(engagement)``: a trial, contract or fallback engagement has ended;
  the fallback app (issue #6) checks whether a successor starts the next day. Sent
  after commit.
- ``trial_ended(trial, report)``: the ratings app (issue #5) fills the trial report's
  counts and rates on the unsaved ``report``, which the trial service then saves (one
  INSERT, not an INSERT and an UPDATE). Sent inside the transaction that ends the trial.
"""

from django.dispatch import Signal

engagement_ended = Signal()
trial_ended = Signal()

# A handover's outgoing firm confirmed the open service requests as handed over (issue #6);
# the ratings app (issue #5) moves the compound's open requests to ``handover.incoming_firm``.
# Sent inside the confirming transaction. kwargs: handover
handover_requests_transfer = Signal()

# A compound's operator changed at once, without waiting for the handover checklist: a
# suspended, revoked or blacklisted firm's site moved to the fallback operator (DOMAIN
# "Fallback": "a firm suspension moves all its live sites, and their open requests ... in one
# transaction"). The ratings app moves the compound's open service requests from
# ``from_engagement``'s firm to ``to_engagement``. Sent synchronously inside the moving
# transaction (not on commit): if a receiver raises, the site does not move either.
# kwargs: compound, from_engagement, to_engagement
operator_changed = Signal()
