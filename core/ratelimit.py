"""A token bucket: the per-connection limit on websocket bids, at the API's throttle rate."""

import time

PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_rate(rate: str) -> tuple[int, float]:
    """Return (requests, seconds) from a rate written as DRF writes it: "10/s", "600/m"."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period[:1]]


class TokenBucket:
    """Allow `requests` per `seconds` on average, in bursts of at most `requests`."""

    def __init__(self, rate: str) -> None:
        self.capacity, seconds = parse_rate(rate)
        self.refill_per_second = self.capacity / seconds
        self.tokens = float(self.capacity)
        self.updated = time.monotonic()

    def take(self) -> bool:
        """Spend one token if there is one; say whether there was."""
        now = time.monotonic()
        self.tokens = min(
            self.capacity, self.tokens + (now - self.updated) * self.refill_per_second
        )
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
