"""The servers under test: throwaway PostgreSQL and Redis, and the production ASGI server.

PostgreSQL and Redis are started the way .ci/run starts them: a private data directory,
free ports, a password over TCP, and no waiting for the disk (fsync and synchronous commit
off). The engine and its floor share that server, so the ratio does not depend on the
disk; the floor is the higher for it, and so the target is the stricter.
"""

# ruff: noqa: S603, S607 -- commands of fixed parts and our own paths; servers from PATH.

import contextlib
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
                    f"CREATE ROLE nedra LOGIN PASSWORD '{PG_PASSWORD}'",
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

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lot_url(self, lot_id: int) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/lots/{lot_id}/"


@contextlib.contextmanager
def app_server(*, workers: int, environment: dict[str, str], log_path: Path) -> Iterator[AppServer]:
    """Run `uvicorn config.asgi:application --workers N` as the Dockerfile does."""
    port = free_port()
    arguments = [
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
    ]
    env = {**os.environ, **environment, "DJANGO_SETTINGS_MODULE": "config.settings"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", *arguments],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_workers(process, log_path, workers)
        yield AppServer(
            port=port,
            pid=process.pid,
            workers=workers,
            command="uvicorn " + " ".join(arguments),
            environment=environment,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # The server's own process group: its workers, started by this run.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for_workers(process: subprocess.Popen[bytes], log_path: Path, workers: int) -> None:
    deadline = time.monotonic() + 120
    while log_path.read_text().count("Application startup complete") < workers:
        if process.poll() is not None:
            sys.exit(f"uvicorn exited with {process.returncode}:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            sys.exit(f"uvicorn did not start in time:\n{log_path.read_text()}")
        time.sleep(0.2)
