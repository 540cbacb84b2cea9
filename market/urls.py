from django.urls import include, path

from .views import catalogue, district, fees, invitations, my, vetting

urlpatterns = [
    path("my/", my.my_home, name="my_home"),
    path("my/compound/", my.my_compound, name="my_compound"),
    path("my/firm/", my.my_firm, name="my_firm"),
    path("firms/<int:pk>/staff/invite/", my.firm_staff_invite_view, name="firm_staff_invite"),
    path("compounds/<int:pk>/", my.compound_page, name="compound_page"),
    path("district/", district.district_home, name="district_home"),
    path("district/<str:code>/", district.district_home, name="district_detail"),
    path("district/<str:code>/compounds/new/", district.compound_create, name="compound_create"),
    path(
        "district/<str:code>/officials/invite/",
        district.official_invite_view,
        name="official_invite",
    ),
    path(
        "district/compounds/<int:pk>/committee/new/",
        district.committee_create,
        name="committee_create",
    ),
    path(
        "district/committee-members/<int:pk>/reinvite/",
        district.committee_member_reinvite,
        name="committee_member_reinvite",
    ),
    path("invitations/<str:token>/", invitations.invitation_accept_view, name="invitation_accept"),
]

# Each feature module owns its own routes.
urlpatterns += vetting.urlpatterns + fees.urlpatterns + catalogue.urlpatterns
urlpatterns += [path("", include("market.console.urls"))]  # the bureau's console (#8)
