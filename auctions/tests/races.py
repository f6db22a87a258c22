"""Race tests' one tool: run actions in threads released at the same instant."""

import threading
from collections.abc import Callable

from django.db import connections


def run_together(*actions: Callable[[], object]) -> list[object]:
    """Run the actions in threads released at once; return each result or exception."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = actions[index]()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
