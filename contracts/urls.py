from django.urls import path

from .views import contracts, fallback, pages, trials, votes

urlpatterns = [
    # Committee
    path("offers/<int:offer_id>/trial/", trials.trial_request_view, name="trial_request"),
    path(
        "compounds/<int:pk>/engagements/", pages.compound_engagements, name="compound_engagements"
    ),
    path("trials/<int:trial_pk>/vote/", votes.vote_hire, name="vote_hire"),
    path("contracts/<int:contract_pk>/dismissal-vote/", votes.vote_dismiss, name="vote_dismiss"),
    path("votes/<int:pk>/", votes.vote_detail, name="vote_detail"),
    path(
        "votes/<int:vote_pk>/contract/", contracts.contract_generate_view, name="contract_generate"
    ),
    # Both parties
    path("trials/<int:pk>/", trials.trial_detail, name="trial_detail"),
    path("trials/<int:pk>/accept/", trials.trial_accept_view, name="trial_accept"),
    path("trials/<int:pk>/decline/", trials.trial_decline_view, name="trial_decline"),
    path("trials/<int:pk>/withdraw/", trials.trial_withdraw_view, name="trial_withdraw"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/pdf/", contracts.contract_pdf_view, name="contract_pdf"),
    path("contracts/<int:pk>/sign/", contracts.contract_sign_view, name="contract_sign"),
    path("contracts/<int:pk>/notice/", contracts.contract_notice_view, name="contract_notice"),
    path("contracts/<int:pk>/cancel/", contracts.contract_cancel_view, name="contract_cancel"),
    # Firm
    path("my/firm/engagements/", pages.firm_engagements, name="firm_engagements"),
    # Bureau (under /district/: officials need TOTP)
    path("district/<str:code>/contracts/", pages.district_contracts, name="district_contracts"),
    path("district/contracts/<int:pk>/file/", contracts.contract_file_view, name="contract_file"),
    # Fallback and handover (issue #6)
    path("district/<str:code>/fallback/", fallback.district_fallback, name="district_fallback"),
    path(
        "district/<str:code>/fallback/designate/",
        fallback.fallback_designate_view,
        name="fallback_designate",
    ),
    path(
        "district/<str:code>/fallback/designations/<int:pk>/end/",
        fallback.fallback_designation_end_view,
        name="fallback_designation_end",
    ),
    path(
        "district/fallback/cases/<int:pk>/extend/",
        fallback.fallback_extend_view,
        name="fallback_extend",
    ),
    path(
        "district/fallback/compounds/<int:pk>/",
        fallback.fallback_compound,
        name="fallback_compound",
    ),
    path(
        "district/fallback/compounds/<int:pk>/warn/",
        fallback.written_warning_view,
        name="fallback_warning_record",
    ),
    path(
        "district/fallback/compounds/<int:pk>/order/",
        fallback.fallback_order_view,
        name="fallback_order",
    ),
    path("handovers/<int:pk>/", fallback.handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/confirm/", fallback.handover_confirm_view, name="handover_confirm"),
    path(
        "handovers/<int:pk>/confirm-all/",
        fallback.handover_confirm_all_view,
        name="handover_confirm_all",
    ),
    path("handovers/<int:pk>/refuse/", fallback.handover_refuse_view, name="handover_refuse"),
    path("handovers/<int:pk>/enforce/", fallback.handover_enforce_view, name="handover_enforce"),
    path("compounds/<int:pk>/handovers/", fallback.compound_handovers, name="compound_handovers"),
    path("my/firm/handovers/", fallback.firm_handovers, name="firm_handovers"),
    # Anyone
    path("contracts/verify/", contracts.contract_verify, name="contract_verify"),
]
