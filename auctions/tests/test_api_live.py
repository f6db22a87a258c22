"""The live auction's REST API: a lot's state and its bids, same contract as the websocket."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from rest_framework.test import APIClient

from auctions import engine
from auctions.models import Bid, Lot
from auctions.tests.contract import NEXT, START, assert_contract_shape
from auctions.tests.factories import LiveLotFactory, admit
from core import ratelimit

pytestmark = pytest.mark.django_db


def client_for(user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def state_url(lot_id: int) -> str:
    return f"/api/lots/{lot_id}/state/"


def bids_url(lot_id: int) -> str:
    return f"/api/lots/{lot_id}/bids/"


def post_bid(client: APIClient, lot_id: int, amount: object, key: object = None) -> Any:
    key = str(uuid.uuid4()) if key is None else key
    return client.post(bids_url(lot_id), {"amount": amount, "key": key}, format="json")


def place(user: AbstractBaseUser, lot: Lot, amount: str) -> None:
    engine.place_bid(user=user, lot_id=lot.pk, amount=amount, key=str(uuid.uuid4()))


# --- State ---------------------------------------------------------------------------------


def test_a_participant_reads_the_lots_state_in_the_wire_contracts_shape(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    response = client_for(admitted_bidder).get(state_url(live_lot.pk))
    assert response.status_code == 200
    state = response.json()
    assert_contract_shape(state)
    assert state["type"] == "state"
    assert state["lot"] == live_lot.pk
    assert state["status"] == "live"
    assert state["version"] == 0
    assert state["current_price"] is None
    assert state["min_next_bid"] == START
    assert state["leader"] is None
    assert state["bid_count"] == 0
    assert state["recent_bids"] == []
    for moment in ("starts_at", "ends_at", "hard_end", "server_time"):
        assert datetime.fromisoformat(state[moment]).utcoffset() is not None, moment


def test_the_state_names_the_leader_you_or_by_number(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    staff_clerk: AbstractBaseUser,
    live_lot: Lot,
) -> None:
    place(rival_bidder, live_lot, START)
    views = {
        name: client_for(user).get(state_url(live_lot.pk)).json()
        for name, user in [
            ("ridgeline", admitted_bidder),
            ("steppe", rival_bidder),
            ("clerk", staff_clerk),
        ]
    }
    assert views["steppe"]["leader"] == "you"
    assert views["ridgeline"]["leader"] == "Participant 2"
    assert views["clerk"]["leader"] == "Participant 2"
    for state in views.values():
        assert state["version"] == 1
        assert state["current_price"] == START
        assert state["min_next_bid"] == NEXT
        assert state["recent_bids"] == [
            {
                "sequence": 1,
                "participant_number": 2,
                "amount": START,
                "placed_at": state["recent_bids"][0]["placed_at"],
                "automatic": False,
            }
        ]
        assert "Steppe" not in str(state)


def test_a_company_that_is_no_participant_may_not_read_the_state(
    non_participant: AbstractBaseUser, live_lot: Lot
) -> None:
    response = client_for(non_participant).get(state_url(live_lot.pk))
    assert response.status_code == 403
    assert response.json()["code"] == "not_admitted"


def test_an_anonymous_visitor_may_not_read_the_state(live_lot: Lot) -> None:
    response = APIClient().get(state_url(live_lot.pk))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert "current_price" not in body


def test_the_state_of_an_unknown_lot_is_not_found(admitted_bidder: AbstractBaseUser) -> None:
    response = client_for(admitted_bidder).get(state_url(987654))
    assert response.status_code == 404
    assert response.json()["code"] == "lot_not_found"


@pytest.mark.parametrize("path", ["bids", "maximum", "sealed-bids"])
def test_a_lot_number_past_any_id_is_not_found(
    admitted_bidder: AbstractBaseUser, path: str
) -> None:
    """Not a server error: the bid's statements are plain SQL, which a 26-digit id would
    overflow."""
    response = client_for(admitted_bidder).post(
        f"/api/lots/{10**25}/{path}/",
        {"amount": "100000000", "key": str(uuid.uuid4())},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["code"] == "lot_not_found"


def test_a_draft_lot_is_not_found_even_by_staff(
    bidder_user: AbstractBaseUser, staff_clerk: AbstractBaseUser
) -> None:
    draft = LiveLotFactory(status=Lot.Status.DRAFT)
    admit(bidder_user.representative.company, draft, 1)
    for user in (bidder_user, staff_clerk):
        response = client_for(user).get(state_url(draft.pk))
        assert response.status_code == 404
        assert response.json()["code"] == "lot_not_found"


# --- Bids ----------------------------------------------------------------------------------


def test_an_accepted_bid_answers_201_with_the_bid(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    key = str(uuid.uuid4())
    response = post_bid(client_for(admitted_bidder), live_lot.pk, START, key)
    assert response.status_code == 201
    body = response.json()
    assert body["type"] == "bid_accepted"
    assert body["key"] == key
    assert body["sequence"] == 1
    assert body["amount"] == START
    assert body["repeated"] is False
    assert datetime.fromisoformat(body["placed_at"]).utcoffset() is not None
    stored = Bid.objects.get()
    assert str(stored.key) == key
    assert stored.amount == Decimal(START)
    assert stored.placed_by == admitted_bidder


def test_a_repeated_key_answers_200_with_the_first_bid_and_stores_nothing(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    client = client_for(admitted_bidder)
    key = str(uuid.uuid4())
    first = post_bid(client, live_lot.pk, START, key)
    again = post_bid(client, live_lot.pk, NEXT, key)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json() | {"repeated": True}
    assert Bid.objects.count() == 1
    live_lot.refresh_from_db()
    assert live_lot.version == 1
    assert live_lot.current_price == Decimal(START)


@pytest.mark.parametrize(
    ("amount", "key", "code"),
    [
        pytest.param("a hundred million", None, "invalid_amount", id="words"),
        pytest.param("100000000.001", None, "invalid_amount", id="three-decimals"),
        pytest.param(100000000.5, None, "invalid_amount", id="json-float"),
        pytest.param("-100000000", None, "invalid_amount", id="negative"),
        pytest.param(None, None, "invalid_amount", id="null-amount"),
        pytest.param(START, "not-a-uuid", "malformed", id="bad-key"),
        pytest.param(START, "", "malformed", id="empty-key"),
        pytest.param(START, 42, "malformed", id="numeric-key"),
    ],
)
def test_an_invalid_bid_answers_400_with_its_code_and_stores_nothing(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, amount: object, key: object, code: str
) -> None:
    response = post_bid(client_for(admitted_bidder), live_lot.pk, amount, key)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert not Bid.objects.exists()


def test_a_bid_without_a_key_answers_400_malformed(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    response = client_for(admitted_bidder).post(
        bids_url(live_lot.pk), {"amount": START}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[]", id="array"),
        pytest.param(f'["{START}", "{uuid.uuid4()}"]', id="array-of-values"),
        pytest.param('"100000000.00"', id="string"),
        pytest.param("100000000", id="number"),
        pytest.param("null", id="null"),
    ],
)
def test_a_body_that_is_not_a_json_object_answers_400_and_stores_nothing(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, body: str
) -> None:
    response = client_for(admitted_bidder).post(
        bids_url(live_lot.pk), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_amount", "malformed"}
    assert not Bid.objects.exists()


def test_a_body_that_is_not_json_answers_400_and_stores_nothing(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    response = client_for(admitted_bidder).post(
        bids_url(live_lot.pk), "amount=100000000", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"
    assert response.json()["message"]
    assert not Bid.objects.exists()


def test_a_form_encoded_bid_is_refused_and_stores_nothing(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    response = client_for(admitted_bidder).post(
        bids_url(live_lot.pk), {"amount": START, "key": str(uuid.uuid4())}
    )
    assert response.status_code == 415
    assert not Bid.objects.exists()


def test_a_bid_below_the_minimum_answers_409_too_low(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    place(admitted_bidder, live_lot, START)
    response = post_bid(client_for(rival_bidder), live_lot.pk, "104999999.99")
    assert response.status_code == 409
    assert response.json()["code"] == "too_low"
    assert Bid.objects.count() == 1


def test_a_bid_by_the_leader_answers_409_already_leading(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    client = client_for(admitted_bidder)
    assert post_bid(client, live_lot.pk, START).status_code == 201
    response = post_bid(client, live_lot.pk, NEXT)
    assert response.status_code == 409
    assert response.json()["code"] == "already_leading"
    assert Bid.objects.count() == 1


def test_a_bid_in_a_lot_that_is_not_live_answers_409_lot_not_live(
    bidder_user: AbstractBaseUser,
) -> None:
    closed = LiveLotFactory(status=Lot.Status.CLOSED)
    admit(bidder_user.representative.company, closed, 1)
    response = post_bid(client_for(bidder_user), closed.pk, START)
    assert response.status_code == 409
    assert response.json()["code"] == "lot_not_live"
    assert not Bid.objects.exists()


@pytest.mark.parametrize("persona", ["non_participant", "bidder_without_deposit", "staff_clerk"])
def test_a_bid_by_someone_not_admitted_answers_403_not_admitted(
    persona: str, live_lot: Lot, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    response = post_bid(client_for(user), live_lot.pk, START)
    assert response.status_code == 403
    assert response.json()["code"] == "not_admitted"
    assert not Bid.objects.exists()


def test_an_anonymous_bid_answers_403_and_stores_nothing(live_lot: Lot) -> None:
    response = post_bid(APIClient(), live_lot.pk, START)
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"
    assert not Bid.objects.exists()


def test_a_bid_in_an_unknown_lot_answers_404(admitted_bidder: AbstractBaseUser) -> None:
    response = post_bid(client_for(admitted_bidder), 987654, START)
    assert response.status_code == 404
    assert response.json()["code"] == "lot_not_found"


def test_bids_beyond_the_rate_answer_429_rate_limited_and_are_not_placed(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.BID_RATE_LIMIT = "2/h"
    client = client_for(admitted_bidder)
    assert post_bid(client, live_lot.pk, "1.00").status_code == 409
    assert post_bid(client, live_lot.pk, "1.00").status_code == 409
    response = post_bid(client, live_lot.pk, START)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["message"]
    assert not Bid.objects.exists()


def test_the_rate_limit_is_per_bidder(
    admitted_bidder: AbstractBaseUser,
    rival_bidder: AbstractBaseUser,
    live_lot: Lot,
    settings: Any,
) -> None:
    settings.BID_RATE_LIMIT = "1/h"
    ridgeline = client_for(admitted_bidder)
    assert post_bid(ridgeline, live_lot.pk, "1.00").status_code == 409
    assert post_bid(ridgeline, live_lot.pk, START).status_code == 429
    assert post_bid(client_for(rival_bidder), live_lot.pk, START).status_code == 201


def test_the_rate_limit_is_per_lot(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    settings.BID_RATE_LIMIT = "1/h"
    other_lot = LiveLotFactory()
    admit(admitted_bidder.representative.company, other_lot, 1)
    client = client_for(admitted_bidder)
    assert post_bid(client, live_lot.pk, "1.00").status_code == 409
    assert post_bid(client, other_lot.pk, START).status_code == 201


def test_the_rate_limit_is_one_budget_across_api_clients_of_the_bidder(
    admitted_bidder: AbstractBaseUser, live_lot: Lot, settings: Any
) -> None:
    """Two sessions (two machines) of one bidder share the budget of the lot."""
    settings.BID_RATE_LIMIT = "1/h"
    assert post_bid(client_for(admitted_bidder), live_lot.pk, "1.00").status_code == 409
    response = post_bid(client_for(admitted_bidder), live_lot.pk, START)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_a_session_bid_without_the_csrf_token_is_refused(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admitted_bidder)
    response = post_bid(client, live_lot.pk, START)
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]
    assert not Bid.objects.exists()


def test_a_session_bid_with_the_csrf_token_is_accepted(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    """The control for the test above: the refusal was the missing token, nothing else."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admitted_bidder)
    token = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    response = client.post(
        bids_url(live_lot.pk),
        {"amount": START, "key": str(uuid.uuid4())},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
    assert Bid.objects.count() == 1


def test_the_api_and_the_engine_share_one_sequence(
    admitted_bidder: AbstractBaseUser, rival_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    place(rival_bidder, live_lot, START)
    response = post_bid(client_for(admitted_bidder), live_lot.pk, NEXT)
    assert response.status_code == 201
    assert response.json()["sequence"] == 2
    state = client_for(rival_bidder).get(state_url(live_lot.pk)).json()
    assert state["leader"] == "Participant 1"
    assert state["version"] == 2
    assert [bid["sequence"] for bid in state["recent_bids"]] == [2, 1]


def test_deeply_nested_json_is_answered_malformed_not_500(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    response = client_for(admitted_bidder).post(
        bids_url(live_lot.pk), "[" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"


def test_deeply_nested_json_with_the_csrf_check_is_answered_malformed_not_500(
    admitted_bidder: AbstractBaseUser, live_lot: Lot
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admitted_bidder)
    token = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    for body in ("[" * 5000, '{"a":' * 5000):
        response = client.post(
            bids_url(live_lot.pk), body, content_type="application/json", HTTP_X_CSRFTOKEN=token
        )
        assert response.status_code == 400
        assert response.json()["code"] == "malformed"


class BrokenCache:
    """A cache whose server is down: every call fails as redis-py's would."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: object, **kwargs: object) -> None:
            raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

        return fail


def test_a_bid_while_the_cache_is_down_is_judged_by_the_engine_and_still_limited(
    admitted_bidder: AbstractBaseUser,
    live_lot: Lot,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.BID_RATE_LIMIT = "2/h"
    monkeypatch.setattr("core.ratelimit.shared_cache", BrokenCache)
    # This process's own counts and warnings, fresh: earlier tests may have left some.
    monkeypatch.setattr("core.ratelimit._local", ratelimit._ProcessLimits())
    monkeypatch.setattr("core.ratelimit._last_warning", 0.0)
    client = client_for(admitted_bidder)
    assert post_bid(client, live_lot.pk, START).status_code == 201
    assert "limits count in this process only" in caplog.text
    # The budget holds in this process meanwhile.
    assert post_bid(client, live_lot.pk, "1.00").status_code == 409
    response = post_bid(client, live_lot.pk, "1.00")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert Bid.objects.count() == 1
