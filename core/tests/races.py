"""Race tests' one tool, for every app: run actions in threads that meet at the same instant.

Each thread closes its own database connection when done, so a race leaves no connection
open for the test database's teardown to trip over.
"""

import threading
import time
from collections.abc import Callable

from django.db import connections, transaction

# Long enough for a blocked thread to show it is blocked, short enough for a test.
HOLD_SECONDS = 0.5


def run_together(*actions: Callable[[], object]) -> list[object]:
    """Run the actions in threads released at once; return each result or exception."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = actions[index]()
        except BaseException as error:  # reported to the test, never lost
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def errors_of(outcomes: list[object]) -> list[BaseException]:
    """The exceptions among run_together's outcomes."""
    return [outcome for outcome in outcomes if isinstance(outcome, BaseException)]


def run_overlapping(first: Callable[[], None], second: Callable[[], None]) -> list[BaseException]:
    """Run `first` in a transaction held open until `second` has run into it; return the
    errors either raised.

    For races a barrier cannot force: `second` starts only once `first` has written and
    still holds its locks, so the database (not luck) decides what `second` sees.
    """
    written = threading.Event()
    errors: list[BaseException] = []

    def run_first() -> None:
        try:
            with transaction.atomic():
                first()
                written.set()
                time.sleep(HOLD_SECONDS)
        except BaseException as error:
            errors.append(error)
            written.set()
        finally:
            connections.close_all()

    def run_second() -> None:
        written.wait(5)
        try:
            with transaction.atomic():
                second()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return errors
