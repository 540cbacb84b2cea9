"""The market's data: geography and the compound register, firms, the people who act for
them, fee schedules, and the event log that every service writes."""

from .compounds import Committee, CommitteeMember, CommitteeRole, Compound, ManagementStatus
from .console import CompoundImport, CompoundImportStatus, CoverageSnapshot
from .events import Event
from .fees import EnforcementMode, FeeGrade, FeeSchedule, FeeScheduleStatus
from .firms import CreditEntry, CreditGrade, Firm, FirmMember, FirmRole, FirmStatus
from .geography import District, StreetOffice
from .offers import Offer, OfferStatus, ScopeItem
from .people import Invitation, InvitationKind, Official

__all__ = [
    "Committee",
    "CreditEntry",
    "CreditGrade",
    "Offer",
    "OfferStatus",
    "ScopeItem",
    "CommitteeMember",
    "CommitteeRole",
    "Compound",
    "CompoundImport",
    "CompoundImportStatus",
    "CoverageSnapshot",
    "District",
    "EnforcementMode",
    "Event",
    "FeeGrade",
    "FeeSchedule",
    "FeeScheduleStatus",
    "Firm",
    "FirmMember",
    "FirmRole",
    "FirmStatus",
    "Invitation",
    "InvitationKind",
    "ManagementStatus",
    "Official",
    "StreetOffice",
]
