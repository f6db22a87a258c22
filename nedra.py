#!/usr/bin/env python3
"""Set up and run Nedra with nothing but Python 3.11+.

    python3 nedra.py            # virtualenv, install, migrate, demo data, start the platform
    python3 nedra.py test       # install the test extras and run the whole test suite
                                # in parallel (NEDRA_TEST_WORKERS=1 runs it serially)
    python3 nedra.py check      # install the test extras and run the static checks

Embedded mode (no DATABASE_URL / REDIS_URL): SQLite under var/, the in-memory channel
layer, Celery tasks in-process and the beat schedule driven inside the one process.
Set DATABASE_URL and REDIS_URL to run the same commands against PostgreSQL and Redis.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("NEDRA_VENV", ROOT / ".venv"))
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    """Run a command in the project folder and stop on failure."""
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def ensure_environment(extras: str) -> None:
    """Create the virtualenv and install the project unless it is already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this launcher runs on any python3
        sys.exit("Nedra needs Python 3.11 or newer.")
    if not PYTHON.exists():
        print(f"Creating the virtual environment in {VENV} ...")
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extras}]" if extras else "."
    stamp = VENV / f".nedra-installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing Nedra ({spec}) ...")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", spec)
    stamp.write_text(digest)


def embedded_env() -> dict[str, str]:
    """Return the environment for a local embedded run (DEBUG on unless set)."""
    env = dict(os.environ)
    env.setdefault("DEBUG", "true")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return env


def up(argv: list[str]) -> None:
    """Install, migrate, load the demo and start the platform in the foreground."""
    ensure_environment("")
    env = embedded_env()
    (ROOT / "var").mkdir(exist_ok=True)
    run(PYTHON, "manage.py", "migrate", "--noinput", env=env)
    run(PYTHON, "manage.py", "setup_roles", env=env)
    # NEDRA_DEMO=false leaves the demo app out (config/settings.py): no demo to load then.
    if env.get("NEDRA_DEMO", "true").lower() in {"true", "on", "ok", "y", "yes", "1"}:
        run(PYTHON, "manage.py", "load_demo", env=env)
    os.execve(str(PYTHON), [str(PYTHON), str(ROOT / "manage.py"), "runplatform", *argv], env)


# More test processes than this buy little: each migrates a test database of its own and
# may drive a Chromium, and each takes a Redis database of its own (config/settings_test.py).
MAX_TEST_WORKERS = 4


def xdist_arguments(argv: list[str]) -> list[str]:
    """Return pytest-xdist's arguments: one test process per CPU, up to MAX_TEST_WORKERS.

    NEDRA_TEST_WORKERS overrides the count (0 or 1: serial, in this one process); arguments that
    already choose (-n, --numprocesses, -p no:xdist, --pdb) are left alone.
    """
    chosen = ("--numprocesses", "no:xdist", "-pno:xdist", "--pdb", "--trace")
    if any(arg.split("=")[0] in chosen or arg.startswith("-n") for arg in argv):
        return []
    requested = os.environ.get("NEDRA_TEST_WORKERS", "").strip()
    if requested:
        if not requested.isdigit():
            sys.exit(f"NEDRA_TEST_WORKERS must be a whole number of processes, not {requested!r}.")
        workers = int(requested)
    else:
        cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        workers = min(len(cpus) if cpus else os.cpu_count() or 1, MAX_TEST_WORKERS)
    if workers <= 1:
        return []
    # loadgroup: tests marked xdist_group (each browser module: one Chromium) share a process.
    return ["-n", str(workers), "--dist", "loadgroup"]


def test(argv: list[str]) -> None:
    """Install the test extras and run the whole suite, passing extra arguments on."""
    ensure_environment("test")
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    (ROOT / "var").mkdir(exist_ok=True)
    run(PYTHON, "-m", "ruff", "check", ".", env=env)
    run(PYTHON, "-m", "ruff", "format", "--check", ".", env=env)
    run(PYTHON, "-m", "pytest", *xdist_arguments(argv), *argv, env=env)


def check() -> None:
    """Install the test extras and run the static checks: lint, layers and types."""
    ensure_environment("test")
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    checks: dict[str, list[str | Path]] = {
        "ruff check": [PYTHON, "-m", "ruff", "check", "."],
        "ruff format --check": [PYTHON, "-m", "ruff", "format", "--check", "."],
        "lint-imports": [PYTHON.parent / "lint-imports"],
        "mypy": [PYTHON, "-m", "mypy"],
    }
    # Every check runs, so one report shows all that is wrong; any failure fails the whole.
    failed = [
        name
        for name, command in checks.items()
        if subprocess.run([str(a) for a in command], cwd=ROOT, env=env, check=False).returncode
    ]
    if failed:
        sys.exit(f"Static checks failed: {', '.join(failed)}")


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "test":
        test(args[1:])
    elif args and args[0] == "check":
        check()
    elif args and args[0] in {"-h", "--help"}:
        print(__doc__)
    else:
        up(args[1:] if args and args[0] == "up" else args)


if __name__ == "__main__":
    main()
