from django.urls import path

from .views import bureau, committee, firm, public, resident

urlpatterns = [
    # Residents (no account: a household code)
    path("r/<int:pk>/", resident.resident_entry, name="resident_entry"),
    path("r/<int:pk>/home/", resident.resident_home, name="resident_home"),
    path("r/<int:pk>/rate/", resident.resident_rate, name="resident_rate"),
    path("r/<int:pk>/request/", resident.resident_request, name="resident_request"),
    path(
        "r/<int:pk>/requests/<int:request_pk>/answer/",
        resident.resident_request_answer,
        name="resident_request_answer",
    ),
    path("r/<int:pk>/leave/", resident.resident_leave, name="resident_leave"),
    # Public
    path("compounds/<int:pk>/notice/", public.notice_board, name="notice_board"),
    path("compounds/<int:pk>/poster/", public.poster, name="notice_poster"),
    # Committee
    path("compounds/<int:pk>/household-codes/", committee.household_codes, name="household_codes"),
    path(
        "household-codes/<int:pk>/revoke/",
        committee.household_code_revoke_view,
        name="household_code_revoke",
    ),
    path(
        "household-codes/<int:pk>/reissue/",
        committee.household_code_reissue_view,
        name="household_code_reissue",
    ),
    path("compounds/<int:pk>/moderation/", committee.moderation, name="rating_moderation"),
    path("ratings/<int:pk>/moderate/", committee.rating_moderate_view, name="rating_moderate"),
    path("compounds/<int:pk>/inspection/", committee.inspection_new, name="inspection_new"),
    # Firm (and, read-only, committee and officials)
    path("my/firm/requests/", firm.firm_requests, name="firm_requests"),
    path("requests/<int:pk>/", firm.request_detail, name="service_request_detail"),
    path("requests/<int:pk>/<str:step>/", firm.request_act, name="service_request_act"),
    path("ratings/<int:pk>/reply/", firm.rating_reply_view, name="rating_reply"),
    path("ratings/<int:pk>/flag/", firm.rating_flag_view, name="rating_flag"),
    path("contracts/<int:pk>/fee-raise/", firm.fee_raise_apply_view, name="fee_raise_apply"),
    # Street office and bureau (under /district/: officials need TOTP)
    path("district/<str:code>/escalations/", bureau.escalations, name="escalations"),
    path("district/<str:code>/fee-adjustments/", bureau.fee_adjustments, name="fee_adjustments"),
    path(
        "district/<str:code>/request-deadlines/",
        bureau.request_deadlines,
        name="request_deadlines",
    ),
    path(
        "district/fee-adjustments/<int:pk>/decide/",
        bureau.fee_adjustment_decide_view,
        name="fee_adjustment_decide",
    ),
]
