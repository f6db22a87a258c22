"""Fixtures the auctions app's tests share."""

import pytest

from core.pdf import NedraPDF


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Collect every text a PDF document writes (its streams are compressed)."""
    texts: list[str] = []
    original = NedraPDF.multi_cell

    def recording(self: NedraPDF, *args: object, **kwargs: object) -> object:
        texts.append(str(kwargs["text"] if "text" in kwargs else args[2]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(NedraPDF, "multi_cell", recording)
    return texts
