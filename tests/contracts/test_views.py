"""Pages and endpoints: each party's actions, bad input (400, message, nothing saved) and
every role that must be refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract, ContractSignature, Trial, TrialStatus, Vote
from tests.factories import PASSWORD, CommitteeMemberFactory, UserFactory

from .conftest import request_trial, sign_both

TODAY = timezone.localdate()


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def plain_member(compound, committee_member):
    return CommitteeMemberFactory(committee=compound.current_committee).user


@pytest.fixture
def live_trial(committee_member, compound, offer, firm_admin):
    """A trial requested, accepted and started today (real dates: views use today)."""
    from contracts.services.trials import trial_accept

    trial = request_trial(committee_member, compound, offer, starts_on=TODAY, today=TODAY)
    return trial_accept(actor=firm_admin, trial=trial, today=TODAY)


# --- Requesting a trial ---------------------------------------------------------------


def test_committee_requests_a_trial_from_the_offer(client, committee_member, offer, compound):
    login(client, committee_member)
    url = reverse("trial_request", args=[offer.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "提交试用申请" in page.content.decode() and "枣园小区" in page.content.decode()
    response = client.post(
        url,
        {"starts_on": (TODAY + timedelta(days=5)).isoformat(), "message": "欢迎"},
    )
    trial = Trial.objects.get()
    assert response.status_code == 302 and response.url == reverse("trial_detail", args=[trial.pk])
    assert trial.compound == compound and trial.message == "欢迎"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"starts_on": ""}, "必需字段"),
        ({"starts_on": "2020-01-01"}, "开始日期不能早于今天"),
        ({"starts_on": "not a date"}, "日期"),
    ],
)
def test_bad_trial_requests_are_refused(client, committee_member, offer, data, message):
    login(client, committee_member)
    response = client.post(reverse("trial_request", args=[offer.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Trial.objects.exists()


def test_trial_request_refused_roles(client, offer, plain_member, firm_admin, official, firm_staff):
    url = reverse("trial_request", args=[offer.pk])
    assert client.get(url).status_code == 302  # public: log in first
    for user in (plain_member, firm_admin, firm_staff, official):
        login(client, user)
        assert client.post(url, {"starts_on": TODAY.isoformat()}).status_code == 403
    assert not Trial.objects.exists()


# --- Answering ------------------------------------------------------------------------


def test_firm_accepts_and_declines(
    client, committee_member, compound, offer, other_firm_offer, firm_admin
):
    first = request_trial(
        committee_member, compound, offer, starts_on=TODAY + timedelta(5), today=TODAY
    )
    login(client, firm_admin)
    page = client.get(reverse("trial_detail", args=[first.pk]))
    assert page.status_code == 200
    assert reverse("trial_accept", args=[first.pk]) in page.content.decode()
    response = client.post(reverse("trial_accept", args=[first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == TrialStatus.ACCEPTED


def test_decline_without_reason_is_400_and_changes_nothing(client, requested_trial, firm_admin):
    login(client, firm_admin)
    response = client.post(reverse("trial_decline", args=[requested_trial.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "必需字段" in response.content.decode()
    requested_trial.refresh_from_db()
    assert requested_trial.status == TrialStatus.REQUESTED


def test_accepting_twice_shows_why(client, accepted_trial, firm_admin):
    login(client, firm_admin)
    response = client.post(reverse("trial_accept", args=[accepted_trial.pk]))
    assert response.status_code == 400
    assert "已接受" in response.content.decode()


def test_answer_refused_roles(
    client, requested_trial, committee_member, firm_staff, other_official, official
):
    for name in ("trial_accept", "trial_decline"):
        url = reverse(name, args=[requested_trial.pk])
        client.logout()
        assert client.post(url, {"reason": "x"}).status_code == 302
        for user in (committee_member, firm_staff, other_official, official):
            login(client, user)
            assert client.post(url, {"reason": "x"}).status_code == 403
    requested_trial.refresh_from_db()
    assert requested_trial.status == TrialStatus.REQUESTED


def test_trial_page_visibility(
    client, requested_trial, committee_member, firm_admin, official, other_official, firm_staff
):
    url = reverse("trial_detail", args=[requested_trial.pk])
    for user in (committee_member, firm_admin, official):
        login(client, user)
        assert client.get(url).status_code == 200
    for user in (other_official, firm_staff, UserFactory()):
        login(client, user)
        assert client.get(url).status_code == 403


def test_withdraw(client, requested_trial, committee_member, firm_admin):
    login(client, firm_admin)
    assert client.post(reverse("trial_withdraw", args=[requested_trial.pk])).status_code == 403
    login(client, committee_member)
    response = client.post(reverse("trial_withdraw", args=[requested_trial.pk]), {"reason": "另选"})
    assert response.status_code == 302
    requested_trial.refresh_from_db()
    assert requested_trial.status == TrialStatus.WITHDRAWN


# --- Votes ----------------------------------------------------------------------------


def _vote_data(compound, **overrides):
    data = {
        "notice_on": (TODAY - timedelta(days=20)).isoformat(),
        "vote_on": (TODAY - timedelta(days=3)).isoformat(),
        "published_on": (TODAY - timedelta(days=1)).isoformat(),
        "participating_owners": 240,
        "participating_area": "20000.00",
        "approving_owners": 200,
        "approving_area": "15000.00",
    }
    data.update(overrides)
    return data


def test_vote_result_page_shows_both_counts_and_the_failed_threshold(
    client, live_trial, committee_member, compound
):
    login(client, committee_member)
    response = client.post(
        reverse("vote_hire", args=[live_trial.pk]),
        _vote_data(compound, approving_owners=120),
    )
    vote = Vote.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("vote_detail", args=[vote.pk])).content.decode()
    assert "120 / 240" in page and "15000.00 / 20000.00" in page
    assert "未达到" in page and "50.00%" in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"participating_owners": 321}, "多于名册"),
        ({"approving_owners": 241}, "多于参与"),
        ({"vote_on": (TODAY - timedelta(days=6)).isoformat()}, "15"),
        ({"participating_area": "-1"}, "0"),
    ],
)
def test_bad_votes_are_refused(client, live_trial, committee_member, compound, overrides, message):
    login(client, committee_member)
    response = client.post(
        reverse("vote_hire", args=[live_trial.pk]), _vote_data(compound, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Vote.objects.exists()


def test_vote_refused_roles(client, live_trial, plain_member, firm_admin, official, compound):
    url = reverse("vote_hire", args=[live_trial.pk])
    for user in (plain_member, firm_admin, official):
        login(client, user)
        assert client.post(url, _vote_data(compound)).status_code == 403
    assert not Vote.objects.exists()


# --- Contracts ------------------------------------------------------------------------


@pytest.fixture
def view_contract(live_trial, committee_member, compound):
    from contracts.services.contracts import contract_generate
    from contracts.services.votes import vote_record

    vote = vote_record(
        actor=committee_member,
        compound=compound,
        kind="hire",
        trial=live_trial,
        notice_on=TODAY - timedelta(days=20),
        vote_on=TODAY - timedelta(days=3),
        participating_owners=320,
        participating_area=compound.exclusive_area,
        approving_owners=320,
        approving_area=compound.exclusive_area,
    )
    return contract_generate(actor=committee_member, vote=vote, term_years=2)


def test_generate_contract_form(client, live_trial, committee_member, compound, firm_admin):
    from contracts.services.votes import vote_record

    vote = vote_record(
        actor=committee_member,
        compound=compound,
        kind="hire",
        trial=live_trial,
        notice_on=TODAY - timedelta(days=20),
        vote_on=TODAY - timedelta(days=3),
        participating_owners=320,
        participating_area=compound.exclusive_area,
        approving_owners=320,
        approving_area=compound.exclusive_area,
    )
    url = reverse("contract_generate", args=[vote.pk])
    login(client, firm_admin)
    assert client.post(url, {"term_years": 1, "collection_method": "monthly"}).status_code == 403
    login(client, committee_member)
    bad = client.post(url, {"term_years": 5, "collection_method": "monthly"})
    assert bad.status_code == 400 and not Contract.objects.exists()
    response = client.post(url, {"term_years": 2, "collection_method": "quarterly"})
    contract = Contract.objects.get()
    assert response.status_code == 302 and contract.term_years == 2


def test_signing_requires_reauthentication(client, view_contract, committee_member):
    login(client, committee_member)
    url = reverse("contract_sign", args=[view_contract.pk])
    response = client.post(url, {"document_sha256": view_contract.document_sha256})
    assert response.status_code == 302 and "reauthenticate" in response.url
    assert not ContractSignature.objects.exists()
    # Re-entering the password resumes the suspended signing request.
    response = client.post(
        reverse("account_reauthenticate") + f"?next={url}", {"password": PASSWORD}
    )
    assert ContractSignature.objects.filter(party="committee", user=committee_member).exists()
    signature = ContractSignature.objects.get()
    assert signature.ip_address == "127.0.0.1"
    assert signature.document_sha256 == view_contract.document_sha256


def _reauthenticated(client, user):
    login(client, user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": timezone.now().timestamp(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def test_sign_with_a_stale_document_is_400(client, view_contract, committee_member):
    _reauthenticated(client, committee_member)
    response = client.post(
        reverse("contract_sign", args=[view_contract.pk]), {"document_sha256": "0" * 64}
    )
    assert response.status_code == 400
    assert "重新加载" in response.content.decode()
    assert not ContractSignature.objects.exists()


def test_sign_refused_roles(client, view_contract, plain_member, firm_staff, other_official):
    for user in (plain_member, firm_staff, other_official):
        _reauthenticated(client, user)
        response = client.post(
            reverse("contract_sign", args=[view_contract.pk]),
            {"document_sha256": view_contract.document_sha256},
        )
        assert response.status_code == 403
    assert not ContractSignature.objects.exists()


def test_pdf_download_and_hash_check(client, view_contract, committee_member, firm_admin):
    contract = sign_both(view_contract, committee_member, firm_admin, today=TODAY)
    login(client, committee_member)
    pdf = client.get(reverse("contract_pdf", args=[contract.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    data = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    client.logout()
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = client.post(reverse("contract_verify"), {"document": SimpleUploadedFile("c.pdf", data)})
    assert ok.status_code == 200 and contract.number in ok.content.decode()
    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 0x01
    bad = client.post(
        reverse("contract_verify"), {"document": SimpleUploadedFile("c.pdf", bytes(tampered))}
    )
    assert contract.number not in bad.content.decode()
    assert "没有已签署的合同" in bad.content.decode()
    by_hash = client.post(reverse("contract_verify"), {"sha256": contract.document_sha256})
    assert contract.number in by_hash.content.decode()
    empty = client.post(reverse("contract_verify"), {})
    assert empty.status_code == 400


def test_pdf_refused_to_strangers(client, view_contract, other_official, firm_staff):
    for user in (other_official, firm_staff):
        login(client, user)
        assert client.get(reverse("contract_pdf", args=[view_contract.pk])).status_code == 403


def test_bureau_files_from_its_list(
    client, view_contract, committee_member, firm_admin, official, other_official
):
    contract = sign_both(view_contract, committee_member, firm_admin, today=TODAY)
    login(client, other_official)
    assert client.post(reverse("contract_file", args=[contract.pk])).status_code == 403
    login(client, official)
    listing = client.get(
        reverse("district_contracts", args=[contract.compound.street_office.district.code])
    )
    assert listing.status_code == 200 and contract.number in listing.content.decode()
    bad = client.post(
        reverse("contract_file", args=[contract.pk]),
        {"filed_on": (TODAY + timedelta(days=3)).isoformat()},
    )
    assert bad.status_code == 400
    contract.refresh_from_db()
    assert contract.filed_on is None
    response = client.post(reverse("contract_file", args=[contract.pk]), {"back": "district"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.filed_on == TODAY


def test_overview_pages(client, view_contract, committee_member, firm_admin, compound, firm_staff):
    login(client, committee_member)
    page = client.get(reverse("compound_engagements", args=[compound.pk]))
    assert page.status_code == 200
    assert "签署合同" in page.content.decode()  # the committee's next step
    login(client, firm_admin)
    page = client.get(reverse("firm_engagements"))
    assert page.status_code == 200 and view_contract.number in page.content.decode()
    login(client, firm_staff)
    assert client.get(reverse("compound_engagements", args=[compound.pk])).status_code == 403
    login(client, UserFactory())
    assert client.get(reverse("firm_engagements")).status_code == 403


# --- Wagtail admin: read-only for the bureau ------------------------------------------


def test_admin_lists_contracts_read_only_for_the_bureau(
    client, view_contract, committee_member, firm_admin, official, other_official
):
    contract = sign_both(view_contract, committee_member, firm_admin, today=TODAY)
    login(client, official)
    listing = client.get("/admin/contracts/")
    assert listing.status_code == 200 and contract.number in listing.content.decode()
    assert client.get(f"/admin/contracts/inspect/{contract.pk}/").status_code == 200
    # No edit or delete through the admin: the terms stay as signed.
    edit = client.post(f"/admin/contracts/edit/{contract.pk}/", {"fee": "0.10"})
    assert edit.status_code in (302, 403)
    assert client.post(f"/admin/contracts/delete/{contract.pk}/").status_code in (302, 403)
    contract.refresh_from_db()
    assert str(contract.fee) == "1.00" and Contract.objects.filter(pk=contract.pk).exists()
    login(client, other_official)
    assert contract.number not in client.get("/admin/contracts/").content.decode()
    login(client, firm_admin)
    assert client.get("/admin/contracts/").status_code in (302, 403)
