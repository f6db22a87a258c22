"""The servers under test: throwaway PostgreSQL and Redis, and the production ASGI server.

PostgreSQL and Redis are started the way .ci/run starts them: a private data directory,
free ports, a password over TCP, and no waiting for the disk (fsync and synchronous commit
off). The engine and its floor share that server, so the ratio does not depend on the
disk; the floor is the higher for it, and so the target is the stricter.
"""

# ruff: noqa: S603, S607 -- commands of fixed parts and our own paths; servers from PATH.

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_PASSWORD = "nedra-bench"  # noqa: S105 -- a throwaway cluster on the loopback only
PG_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    # pgbench's clients plus one connection per server thread, with room to spare.
    "max_connections": "300",
    "shared_buffers": "256MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


@dataclass(frozen=True)
class Backends:
    """Where the database and the channel layer are, and what they are."""

    database_url: str
    redis_url: str
    postgresql_version: str
    redis_version: str
    # The servers' own processes when this run started them, to count their CPU.
    pids: tuple[int, ...] = ()


def free_port() -> int:
    """Return a TCP port on the loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, *, timeout: float) -> None:
    """Return once something accepts connections on the port; raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on port {port}") from None
            time.sleep(0.1)


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI machines and developers' containers are root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _postgresql_bin() -> Path:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if not candidates:
        sys.exit("No PostgreSQL server under /usr/lib/postgresql: apt-get install postgresql.")
    return candidates[-1].parent


def pgbench() -> str:
    """Return the pgbench beside the newest server, not Debian's wrapper script on PATH."""
    return str(_postgresql_bin() / "pgbench")


@contextlib.contextmanager
def throwaway_backends() -> Iterator[Backends]:
    """Start PostgreSQL and Redis on free ports for one run; stop and delete them after."""
    workdir = Path(tempfile.mkdtemp(prefix="nedra-bench."))
    workdir.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    pg_bin, pg_data = _postgresql_bin(), workdir / "pg"
    pg_port, redis_port = free_port(), free_port()
    password_file = workdir / "pg-password"
    password_file.write_text(PG_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(password_file, "postgres")
    try:
        subprocess.run(
            _as_postgres(
                [
                    str(pg_bin / "initdb"),
                    f"--pgdata={pg_data}",
                    "--username=postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    f"--pwfile={password_file}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
            cwd="/",
        )
        options = " ".join(f"-c {name}={value}" for name, value in PG_SETTINGS.items())
        options += f" -p {pg_port} -c unix_socket_directories={workdir}"
        subprocess.run(
            _as_postgres(
                [
                    str(pg_bin / "pg_ctl"),
                    f"--pgdata={pg_data}",
                    f"--log={workdir / 'postgresql.log'}",
                    "--wait",
                    "--timeout=60",
                    f"--options={options}",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            cwd="/",
        )
        subprocess.run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(redis_port),
                "--daemonize",
                "yes",
                "--dir",
                str(workdir),
                "--pidfile",
                str(workdir / "redis.pid"),
                "--logfile",
                str(workdir / "redis.log"),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
        wait_for_port(redis_port, timeout=30)
        psql = [str(pg_bin / "psql"), "-qtA", "-h", str(workdir), "-p", str(pg_port), "-U"]
        subprocess.run(
            _as_postgres(
                [
                    *psql,
                    "postgres",
                    "-d",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    # CREATEDB: a checkout with fewer migrations runs on a copy of the data.
                    f"CREATE ROLE nedra LOGIN CREATEDB PASSWORD '{PG_PASSWORD}'",
                    "-c",
                    "CREATE DATABASE nedra OWNER nedra",
                ]
            ),
            check=True,
            capture_output=True,
            cwd="/",
        )
        yield Backends(
            database_url=f"postgres://nedra:{PG_PASSWORD}@127.0.0.1:{pg_port}/nedra",
            redis_url=f"redis://127.0.0.1:{redis_port}/0",
            postgresql_version=_command_output(
                _as_postgres([*psql, "postgres", "-d", "postgres", "-c", "SHOW server_version"])
            ),
            redis_version=_redis_version(redis_port),
            pids=(
                int((pg_data / "postmaster.pid").read_text().split()[0]),
                int((workdir / "redis.pid").read_text()),
            ),
        )
    finally:
        if (pg_data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres([str(pg_bin / "pg_ctl"), f"--pgdata={pg_data}", "-m", "fast", "stop"]),
                check=False,
                capture_output=True,
                cwd="/",
            )
        redis_pid = workdir / "redis.pid"
        if redis_pid.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(redis_pid.read_text()), signal.SIGTERM)
        shutil.rmtree(workdir, ignore_errors=True)


def given_backends(database_url: str, redis_url: str) -> Backends:
    """Describe servers someone else started (BENCH_DATABASE_URL, BENCH_REDIS_URL)."""
    return Backends(
        database_url=database_url,
        redis_url=redis_url,
        postgresql_version=_command_output(
            ["psql", "-qtA", database_url, "-c", "SHOW server_version"]
        ),
        redis_version=_redis_version(int(redis_url.rsplit(":", 1)[1].split("/")[0])),
    )


def _redis_version(port: int) -> str:
    info = _command_output(["redis-cli", "-p", str(port), "info", "server"])
    for line in info.splitlines():
        if line.startswith("redis_version:"):
            return line.partition(":")[2].strip()
    return "unknown"


def _command_output(command: list[str]) -> str:
    return subprocess.run(
        command, check=True, capture_output=True, text=True, cwd="/"
    ).stdout.strip()


@dataclass(frozen=True)
class AppServer:
    """The running ASGI server: where to connect and what it was started with."""

    port: int
    pid: int
    workers: int
    command: str
    environment: dict[str, str]
    # The checkout whose code it runs (the current tree, or --before's).
    code: Path = ROOT

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lot_url(self, lot_id: int) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/lots/{lot_id}/"

    def worker_pids(self) -> list[int]:
        """Return the processes that serve sockets: the workers, or the server itself."""
        workers = [
            pid for pid in child_pids(self.pid) if "resource_tracker" not in _command_line(pid)
        ]
        return workers or [self.pid]


def server_command(*, server: str, port: int, workers: int, deflate: bool) -> list[str]:
    """Return the arguments after `python -m` that start the ASGI server as production does.

    uvicorn as the Dockerfile runs it, with permessage-deflate off unless `deflate`
    (production's setting: frames are small and compressing each per socket costs CPU).
    """
    if server == "granian":
        return [
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--log-level",
            "info",
            "config.asgi:application",
        ]
    return [
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--proxy-headers",
        "--forwarded-allow-ips",
        "*",
        "--ws-per-message-deflate",
        "true" if deflate else "false",
    ]


def code_environment(code: Path, environment: dict[str, str]) -> dict[str, str]:
    """Return the environment of a server process running the code of the checkout `code`."""
    return {
        **os.environ,
        **environment,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Ahead of the editable install's finder, which points at one checkout only.
        "PYTHONPATH": str(code),
    }


@contextlib.contextmanager
def app_server(
    *,
    workers: int,
    environment: dict[str, str],
    log_path: Path,
    code: Path = ROOT,
    deflate: bool = False,
    server: str = "uvicorn",
) -> Iterator[AppServer]:
    """Run the ASGI server from the checkout `code` (cwd and PYTHONPATH) on a free port."""
    port = free_port()
    arguments = server_command(server=server, port=port, workers=workers, deflate=deflate)
    if server == "granian":
        # Granian passes X-Forwarded-For on unresolved: Django reads it itself, as the
        # spectators' per-address limits need (README, PROXY_COUNT).
        environment = {**environment, "PROXY_COUNT": "1"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *arguments],
            cwd=code,
            env=code_environment(code, environment),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if server == "granian":
            _wait_for_workers(
                process, log_path, workers, server="granian", marker="] Started worker-"
            )
        else:
            _wait_for_workers(
                process, log_path, workers, server="uvicorn", marker="Application startup complete"
            )
        yield AppServer(
            port=port,
            pid=process.pid,
            workers=workers,
            command=" ".join(arguments),
            environment=environment,
            code=code,
        )
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server this run started, and its process group if it lingers."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        # The server's own process group: its workers, started by this run.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for_workers(
    process: subprocess.Popen[bytes], log_path: Path, workers: int, *, server: str, marker: str
) -> None:
    """Wait until the server's log says `marker` once per worker; exit if it dies or stalls."""
    deadline = time.monotonic() + 120
    while log_path.read_text().count(marker) < workers:
        if process.poll() is not None:
            sys.exit(f"{server} exited with {process.returncode}:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            sys.exit(f"{server} did not start in time:\n{log_path.read_text()}")
        time.sleep(0.2)


@contextlib.contextmanager
def celery_services(
    *, code: Path, environment: dict[str, str], directory: Path
) -> Iterator[list[int]]:
    """Run a Celery worker and beat from the checkout `code`, as docker-compose does.

    Yields their process ids once the worker is ready to take tasks.
    """
    env = code_environment(code, environment)
    worker_log, beat_log = directory / "celery-worker.log", directory / "celery-beat.log"
    commands = {
        worker_log: ["worker", "-l", "info", "--hostname", f"bench-{os.getpid()}@%h"],
        beat_log: ["beat", "-l", "info", "--schedule", str(directory / "celerybeat-schedule")],
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for log_path, command in commands.items():
            with log_path.open("w") as log:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "celery", "-A", "config", *command],
                        cwd=code,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 120
        while " ready." not in worker_log.read_text():
            if any(process.poll() is not None for process in processes):
                sys.exit(f"Celery exited:\n{worker_log.read_text()}\n{beat_log.read_text()}")
            if time.monotonic() > deadline:
                sys.exit(f"the Celery worker did not start in time:\n{worker_log.read_text()}")
            time.sleep(0.2)
        yield [process.pid for process in processes]
    finally:
        for process in processes:
            stop(process)


def child_pids(pid: int) -> list[int]:
    """Return the ids of the process's direct children, from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def _command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def migration_differences(before: Path, after: Path) -> list[str]:
    """Return the migration files that differ between two checkouts (added, removed or
    changed), as paths relative to the checkout; empty when both build the same schema."""

    def migrations(root: Path) -> dict[str, str]:
        return {
            str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in root.glob("*/migrations/*.py")
        }

    old, new = migrations(before), migrations(after)
    return sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def migrations_to_unapply(before: Path, after: Path) -> dict[str, str] | None:
    """Return, per app, the migration to migrate back to (or "zero") so that a copy of the
    current tree's database has the older checkout's schema: {} when both build the same
    schema, None when the older one's migrations are not a prefix of the current tree's
    (one removed or changed), which no migrating back can reproduce."""
    differing = migration_differences(before, after)
    if any(not (after / name).is_file() or (before / name).is_file() for name in differing):
        return None
    targets: dict[str, str] = {}
    for name in differing:
        app = Path(name).parts[0]
        if app in targets:
            continue
        older = sorted(path.stem for path in (before / app / "migrations").glob("[0-9]*.py"))
        targets[app] = older[-1] if older else "zero"
    return targets


def clone_database(database_url: str, suffix: str) -> str:
    """Copy the database (no connection may be open to it) to one named with `suffix`,
    replacing an older copy, and return the copy's URL."""
    base, _, name = database_url.rpartition("/")
    copy = f"{name}_{suffix}"
    maintenance = f"{base}/postgres"
    for statement in (
        f'DROP DATABASE IF EXISTS "{copy}"',
        f'CREATE DATABASE "{copy}" TEMPLATE "{name}"',
    ):
        subprocess.run(["psql", "-qtA", maintenance, "-c", statement], check=True)
    return f"{base}/{copy}"


def drop_database(database_url: str) -> None:
    """Drop a database this run copied (`clone_database`)."""
    base, _, name = database_url.rpartition("/")
    subprocess.run(
        ["psql", "-qtA", f"{base}/postgres", "-c", f'DROP DATABASE IF EXISTS "{name}"'],
        check=False,
    )


def checkout_commit(code: Path) -> str:
    """Return the checkout's commit, with "+changes" when its tracked files were edited."""
    commit = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short=12", "HEAD"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "-C", str(code), "status", "--porcelain", "--untracked-files=no"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (commit or "unknown") + ("+changes" if changed else "")
