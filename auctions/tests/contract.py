"""The wire contract's state (DESIGN.md section 4) as the websocket and API tests check it."""

from typing import Any

START = "100000000.00"
NEXT = "105000000.00"
# The state's fields in DESIGN.md section 4; more may be added, none may go missing.
CONTRACT_KEYS = {
    "type",
    "lot",
    "version",
    "status",
    "current_price",
    "min_next_bid",
    "leader",
    "bid_count",
    "starts_at",
    "ends_at",
    "hard_end",
    "server_time",
    "recent_bids",
}


def assert_contract_shape(state: dict[str, Any]) -> None:
    """The state carries every field of the contract, and the leader only as a viewer's word."""
    assert set(state) >= CONTRACT_KEYS, CONTRACT_KEYS - set(state)
    assert state["type"] == "state"
    assert "leader_number" not in state
