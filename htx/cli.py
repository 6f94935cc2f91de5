"""`htx`: the operator's command line. Thin: parse options, call htx.runner / htx.operator / htx.demo."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from htx import demo as demo_data
from htx import operator
from htx.runner import DEFAULT_REDIS_PORT, SERVICES, Platform, ProcessFailed, RestartBudget, log_tail
from shared.settings import TokenSettings

app = typer.Typer(
    help="Operate the HTX value-chain platform: run it, migrate, back up and restore, tokens, dead letters.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
token_app = typer.Typer(help="Bearer tokens for the services' APIs.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead letters: messages a consumer gave up on.", no_args_is_help=True)
reporting_app = typer.Typer(help="The reporting service's read models.", no_args_is_help=True)
account_app = typer.Typer(help="People's accounts (sign-in with a password, ADR 0017).", no_args_is_help=True)
plan_app = typer.Typer(help="The province's plan periods and their targets (ADR 0022).", no_args_is_help=True)
demo_app = typer.Typer(help="Demonstration data for a running `htx up`.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(dlq_app, name="dlq")
app.add_typer(reporting_app, name="reporting")
app.add_typer(account_app, name="account")
app.add_typer(plan_app, name="plan")
app.add_typer(demo_app, name="demo")

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir", envvar="HTX_DATA_DIR", help="Where the embedded mode keeps databases, Redis, logs, the secret"
    ),
]
SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"
RESTARTS_PER_MINUTE = 5
SUPERVISE_INTERVAL_SECONDS = 0.5


def available_services() -> tuple[str, ...]:
    """The services whose code is present (each has app.py and migrations/)."""
    return tuple(
        name
        for name in SERVICES
        if (SERVICES_DIR / name / "app.py").exists() and (SERVICES_DIR / name / "migrations").is_dir()
    )


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _check_services(names: list[str] | None) -> tuple[str, ...]:
    chosen = tuple(names) if names else available_services()
    unknown = [name for name in chosen if name not in SERVICES]
    if unknown:
        _fail(f"unknown service(s): {', '.join(unknown)}; expected {', '.join(SERVICES)}")
    return chosen


# --- migrate ------------------------------------------------------------------------------


@app.command()
def migrate(
    services: Annotated[list[str] | None, typer.Argument(help="Default: every service")] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Bring each service's database to the latest schema (REGISTRY_DATABASE_URL, ... or SQLite in the data dir)."""
    from shared.migrations import upgrade

    for name in _check_services(services):
        url = operator.database_url(name, data_dir)
        typer.echo(f"migrating {name}: {_hide_password(url)}")
        upgrade(name, url)
    typer.echo("migrations done")


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- up -----------------------------------------------------------------------------------


@app.command()
def up(
    demo: Annotated[bool, typer.Option("--demo", help="Load a small real-looking dataset over the APIs")] = False,
    data_dir: DataDir = Path("data"),
    host: Annotated[str, typer.Option(help="Interface the services listen on")] = "127.0.0.1",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for all services to be healthy")] = 90.0,
    registry_port: Annotated[int | None, typer.Option(envvar="HTX_REGISTRY_PORT", help="Default: 8001 if free")] = None,
    supplychain_port: Annotated[
        int | None, typer.Option(envvar="HTX_SUPPLYCHAIN_PORT", help="Default: 8002 if free")
    ] = None,
    reporting_port: Annotated[
        int | None, typer.Option(envvar="HTX_REPORTING_PORT", help="Default: 8003 if free")
    ] = None,
    web_port: Annotated[
        int | None, typer.Option(envvar="HTX_WEB_PORT", help="The co-op app's port. Default: 8000 if free")
    ] = None,
    redis_port: Annotated[
        int, typer.Option(envvar="HTX_REDIS_PORT", help="The embedded Redis's port (another if taken)")
    ] = DEFAULT_REDIS_PORT,
) -> None:
    """Start Redis (unless REDIS_URL is set), migrate, start the three services and the co-op app; Ctrl-C stops them all."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    services = available_services()
    missing = [name for name in SERVICES if name not in services]
    if missing:
        typer.secho(f"warning: not present yet, not started: {', '.join(missing)}", fg=typer.colors.YELLOW, err=True)
    secret = operator.load_or_create_secret(data_dir)
    env = os.environ.get("HTX_ENV", "dev")
    database_urls = {name: operator.database_url(name, data_dir) for name in SERVICES}
    external_redis = os.environ.get("HTX_REDIS_URL") or os.environ.get("REDIS_URL")

    stop_requested = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        if stop_requested.is_set():
            return  # already stopping; a second Ctrl-C must not interrupt the cleanup
        stop_requested.set()
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    platform: Platform | None = None
    try:
        from shared.migrations import upgrade

        for name in services:
            typer.echo(f"migrating {name} ...")
            upgrade(name, database_urls[name])
        platform = Platform(
            data_dir=data_dir,
            database_urls=database_urls,
            secret_key=secret,
            env=env,
            redis_url=external_redis,
            redis_port=redis_port,
            host=host,
            ports={
                "registry": registry_port,
                "supplychain": supplychain_port,
                "reporting": reporting_port,
                "web": web_port,
            },
            services=services,
            stream_prefix=os.environ.get("HTX_STREAM_PREFIX", ""),
        )
        if platform.leftovers_stopped:
            typer.secho(
                "stopped what an earlier htx up, killed without cleaning up, left running: "
                + ", ".join(platform.leftovers_stopped),
                fg=typer.colors.YELLOW,
                err=True,
            )
        typer.echo(
            "starting " + ", ".join(("redis",) * (platform.redis is not None) + tuple(platform.processes)) + " ..."
        )
        platform.start(timeout=timeout)
        operator.RuntimeInfo(platform.redis_url, {n: platform.urls[n] for n in services}, os.getpid()).write(data_dir)
        token = operator.province_token(secret, ttl=timedelta(hours=24))

        report = None
        if demo:
            report = demo_data.load_demo(
                platform.urls["registry"], platform.urls["supplychain"] if "supplychain" in services else None, token
            )
        _print_summary(platform, data_dir, env, token, report)
        _supervise(platform, stop_requested)
    except KeyboardInterrupt:
        stop_requested.set()
    except (ProcessFailed, demo_data.DemoError) as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from error
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the cleanup below must run to the end
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if platform is not None:
            typer.echo("stopping services, then redis ...")
            platform.stop()
            operator.RuntimeInfo.remove(data_dir)
            typer.echo("stopped")
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _supervise(platform: Platform, stop_requested: threading.Event) -> None:
    """Until asked to stop: restart the embedded Redis or a service that died.

    Redis comes back on its port with its AOF, so streams, groups and pending entries are as
    they were; the services keep serving meanwhile (writes wait in their outboxes) and
    reconnect by themselves. A service that exits (killed, crashed) is started again. Each
    child gets `RESTARTS_PER_MINUTE`; past that, `up` stops and shows the child's log.
    """
    budget = RestartBudget(RESTARTS_PER_MINUTE)
    while not stop_requested.wait(SUPERVISE_INTERVAL_SECONDS):
        redis = platform.redis
        if redis is not None and not redis.running:
            if not budget.spend("redis"):
                raise ProcessFailed(
                    f"redis-server keeps exiting (code {redis.returncode}); giving up\n{log_tail(redis.log_path)}"
                )
            typer.secho(
                f"redis-server exited with code {redis.returncode}; restarting it on port {redis.port} "
                f"with its data in {redis.data_dir}",
                fg=typer.colors.YELLOW,
                err=True,
            )
            try:
                redis.start()
            except ProcessFailed as error:  # the next round tries again, within the budget
                typer.secho(f"redis-server did not come back: {error}", fg=typer.colors.RED, err=True)
                continue
            platform.record_pids()
            typer.secho(f"redis-server is back on port {redis.port}", fg=typer.colors.GREEN, err=True)
        for process in platform.failed():
            if not budget.spend(process.name):
                raise ProcessFailed(
                    f"{process.name} keeps exiting (code {process.returncode}); giving up\n{log_tail(process.log_path)}"
                )
            typer.secho(
                f"{process.name} exited with code {process.returncode}; restarting", fg=typer.colors.YELLOW, err=True
            )
            process.start()
            platform.record_pids()


def _print_summary(
    platform: Platform, data_dir: Path, env: str, token: str, report: demo_data.DemoReport | None
) -> None:
    echo = typer.echo
    echo("")
    typer.secho(f"HTX platform is up (HTX_ENV={env}, data in {data_dir})", fg=typer.colors.GREEN, bold=True)
    where = f"AOF on, files in {platform.redis.data_dir}" if platform.redis else "external"
    echo(f"  redis        {platform.redis_url}  ({where})")
    for name, process in platform.processes.items():
        if name not in SERVICES:
            continue
        echo(f"  {name:<12} {process.url}")
        echo(
            f"               API docs {process.url}/docs   health {process.url}/health   "
            f"AsyncAPI {process.url}/asyncapi"
        )
        echo(f"               log {process.log_path}")
    if report is not None:
        echo("")
        echo(f"Demo data: {report.summary()}")
        for warning in report.warnings:
            typer.secho(f"  warning: {warning}", fg=typer.colors.YELLOW)
        if report.trace_tokens and "supplychain" in platform.processes:
            echo("Trace pages (what a QR code opens):")
            for code, public_token in report.trace_tokens.items():
                echo(f"  {platform.urls['supplychain']}/t/{public_token}  ({code})")
    if "supplychain" in platform.processes:
        echo(
            f"Trace page of any lot: {platform.urls['supplychain']}/t/<public_token>  "
            f"(QR: /t/<public_token>/qr.svg, JSON: /lots/<public_token>/trace; "
            f"a lot's public_token is in GET /lots/<code> with a token)"
        )
    if "reporting" in platform.processes:
        echo(f"Provincial scorecard: {platform.urls['reporting']}/dashboard")
    if "web" in platform.processes:
        echo(f"Co-op app (open it on a phone; sign in with a co-op account): {platform.urls['web']}/")
        if report is not None:
            for coop in demo_data.DATASET:
                for account in coop.accounts:
                    echo(f"  {coop.name}: user {account.username}, password {demo_data.DEMO_PASSWORD}")
    echo("")
    echo("Province token (24 h), for the Authorize button of /docs or `Authorization: Bearer ...`:")
    echo(token)
    echo("")
    echo("Ctrl-C stops everything.")


# --- backup and restore -------------------------------------------------------------------


@app.command()
def backup(
    data_dir: DataDir = Path("data"),
    output: Annotated[
        Path | None, typer.Option("--output", help="Archive to write (default: ./htx-backup-YYYYMMDD-HHMMSS.tar.gz)")
    ] = None,
) -> None:
    """One archive: a consistent snapshot of every database, Redis's AOF, the secret, a manifest with checksums."""
    from htx import backup as backups

    try:
        result = backups.create_backup(data_dir, output, services=available_services(), log=typer.echo)
    except backups.BackupError as error:
        _fail(str(error))
    for note in result.notes:
        typer.secho(f"warning: {note}", fg=typer.colors.YELLOW, err=True)
    members = result.manifest["members"]
    size = sum(member["size"] for member in members)
    typer.echo(f"backup written: {result.path} ({len(members)} files, {size} bytes before compression)")


@app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="An archive written by `htx backup`")],
    data_dir: Annotated[Path, typer.Option("--data-dir", help="A new, empty directory to restore into")],
) -> None:
    """Verify an archive's checksums, then unpack it into an empty data dir ready for `htx up`."""
    from htx import backup as backups

    try:
        result = backups.restore_backup(archive, data_dir, log=typer.echo)
    except backups.RestoreRefused as error:
        _fail(f"refused: {error}", 2)
    except backups.BackupError as error:
        _fail(str(error))
    for note in result.notes:
        typer.secho(note, fg=typer.colors.YELLOW)
    typer.echo(f"restored the backup of {result.manifest['created_at']} into {result.data_dir}")
    typer.echo(f"start it with: htx up --data-dir {result.data_dir}")


# --- tokens -------------------------------------------------------------------------------


@token_app.command("issue")
def token_issue(
    role: Annotated[str, typer.Option(help="province, coop or buyer")],
    coop_id: Annotated[int | None, typer.Option(help="The co-op a coop token writes for")] = None,
    partner_id: Annotated[int | None, typer.Option(help="The partner a buyer token acts for")] = None,
    subject: Annotated[str | None, typer.Option(help="Who holds the token (default: the role)")] = None,
    ttl_hours: Annotated[
        float | None,
        typer.Option(help="Validity in hours (default HTX_TOKEN_TTL_HOURS, 720; at most HTX_TOKEN_MAX_TTL_HOURS)"),
    ] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Print a signed token (secret: HTX_SECRET_KEY, else <data-dir>/secret)."""
    if role not in ("province", "coop", "buyer"):
        _fail(f"--role must be province, coop or buyer, not {role!r}", 2)
    if role == "coop" and coop_id is None:
        _fail("a coop token needs --coop-id", 2)
    if role == "buyer" and partner_id is None:
        _fail("a buyer token needs --partner-id", 2)
    if ttl_hours is not None and ttl_hours <= 0:
        _fail("--ttl-hours must be positive", 2)
    settings = _token_settings()
    if ttl_hours is not None and ttl_hours > settings.token_max_ttl_hours:
        _fail(
            f"--ttl-hours {ttl_hours:g} is above the longest token lifetime, {settings.token_max_ttl_hours:g} hours "
            "(HTX_TOKEN_MAX_TTL_HOURS; the services refuse longer tokens)",
            2,
        )
    try:
        secret = operator.read_secret(data_dir)
    except FileNotFoundError as error:
        _fail(str(error))
    typer.echo(
        operator.make_token(
            secret,
            role=role,
            subject=subject or f"{role}-operator",
            coop_id=coop_id,
            partner_id=partner_id,
            ttl_hours=ttl_hours,
            settings=settings,
        )
    )


def _token_settings() -> TokenSettings:
    from pydantic import ValidationError

    try:
        return TokenSettings()
    except ValidationError as error:
        typer.secho(f"token settings: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


@token_app.command("revoke")
def token_revoke(
    token_or_id: Annotated[str, typer.Argument(help="The token itself, or its id (jti)")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Revoke a token through the registry (POST /admin/tokens/revocations) and print what was revoked.

    The registry refuses it at once; supplychain and reporting once its event reaches them.
    """
    import httpx

    from shared.auth import revocable_token

    try:
        secret = operator.read_secret(data_dir)
    except FileNotFoundError as error:
        _fail(str(error))
    url = operator.service_url("registry", data_dir)
    operator_token = operator.province_token(secret, ttl=timedelta(minutes=10))
    try:
        status, revocation = operator.revoke_token(url, token_or_id, operator_token)
    except (operator.AdminRefused, httpx.HTTPError) as error:
        _fail(f"revoke at {url}: {error}")
    what = f"token {revocation['jti']}"
    with contextlib.suppress(ValueError):  # given the token itself: say whose it was
        what += f" of {revocable_token(secret, token_or_id.strip()).actor}"
    if status == 200:
        typer.echo(f"{what} was already revoked at {revocation['revoked_at']} by {revocation['revoked_by']}")
    else:
        typer.echo(f"revoked {what}; refused until it expires at {revocation['expires_at']}")


@account_app.command("create")
def account_create(
    role: Annotated[str, typer.Option(help="province, coop or buyer")],
    username: Annotated[str, typer.Option(help="The sign-in name")],
    display_name: Annotated[str, typer.Option(help="The person's name, as written")],
    coop_id: Annotated[int | None, typer.Option(help="For --role coop")] = None,
    staff: Annotated[str | None, typer.Option(help="For --role coop: manager or clerk")] = None,
    partner_id: Annotated[int | None, typer.Option(help="For --role buyer")] = None,
    phone: Annotated[str | None, typer.Option(help="Also signs in with it, e.g. 0912345678")] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Create an account through the registry (POST /accounts), e.g. the province's first one.

    The password is asked for (twice, not echoed), or read from the first line of stdin when piped.
    """
    import httpx

    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        secret = operator.read_secret(data_dir)
    except FileNotFoundError as error:
        _fail(str(error))
    url = operator.service_url("registry", data_dir)
    scope = {"coop_id": coop_id, "staff": staff, "partner_id": partner_id, "phone": phone}
    body = {"role": role, "username": username, "display_name": display_name, "password": password}
    body.update({name: value for name, value in scope.items() if value is not None})
    try:
        account = operator.create_account(url, body, operator.province_token(secret, ttl=timedelta(minutes=10)))
    except (operator.AdminRefused, httpx.HTTPError) as error:
        _fail(f"create account at {url}: {error}")
    typer.echo(f"created account {account['id']} {account['username']} ({account['role']})")


# --- plans --------------------------------------------------------------------------------


@plan_app.command("load")
def plan_load(
    file: Annotated[Path, typer.Argument(help='JSON shaped as services/reporting/targets.json: {"plans": [...]}')],
    note: Annotated[
        str | None, typer.Option(help="Why, for the versions this publishes (a plan's own note wins)")
    ] = None,
    data_dir: DataDir = Path("data"),
) -> None:
    """Publish the plans of FILE through the registry (PUT /plans/{key}), each plan a new version when
    it changed and nothing when it did not: loading the same file twice changes nothing.

    Every plan is checked before any is sent; a plan's key is its "key", else "<first_year>-<last_year>".
    """
    import httpx
    from pydantic import ValidationError

    from services.registry.plans.schemas import PlanWrite

    try:
        document = json.loads(file.read_text(encoding="utf-8"))
        items = document["plans"]
        plans = [PlanWrite.model_validate({"note": note, **item} if note else item) for item in items]
    except (OSError, ValueError, KeyError, TypeError) as error:  # ValidationError is a ValueError
        reason = error.errors(include_url=False) if isinstance(error, ValidationError) else error
        _fail(f'{file}: not a plans file as targets.json is ({{"plans": [...]}}): {reason}', 2)
    try:
        secret = operator.read_secret(data_dir)
    except FileNotFoundError as error:
        _fail(str(error))
    url = operator.service_url("registry", data_dir)
    token = operator.province_token(secret, ttl=timedelta(minutes=10))
    for plan in plans:
        try:
            status, version = operator.put_plan(
                url, plan.plan_key, plan.model_dump(mode="json", exclude_none=True), token
            )
        except (operator.AdminRefused, httpx.HTTPError) as error:
            _fail(f"plan {plan.plan_key} at {url}: {error}")
        said = (
            f"published version {version['version']}" if status == 201 else f"unchanged (version {version['version']})"
        )
        typer.echo(f"plan {plan.plan_key} {version['first_year']}–{version['last_year']}: {said}")


# --- demo data ----------------------------------------------------------------------------


@demo_app.command("province")
def demo_province(
    scale: Annotated[
        float,
        typer.Option(min=0.001, max=1.0, help="1: Thái Nguyên's size (~580 organisations); 0.02 for a quick look"),
    ] = 1.0,
    data_dir: DataDir = Path("data"),
    progress: Annotated[bool, typer.Option(help="Show progress bars (off: only the closing note)")] = True,
) -> None:
    """Load a generated province into the running `htx up` through its public APIs: organisations and
    members by the registry's import, plots, certificates, gradings, inspections and contracts by its
    routes, five years of harvest rounds by the supply chain's /batch (htx/province.py, ADR 0026).

    Waits until reporting has read everything, then prints how long each part took. A second run
    adds nothing.
    """
    import time

    import httpx

    from htx import province as province_data
    from htx.province_load import load_province

    started = time.monotonic()
    province = province_data.generate(scale)
    generated = time.monotonic() - started
    try:
        secret = operator.read_secret(data_dir)
        urls = {name: operator.service_url(name, data_dir) for name in ("registry", "supplychain", "reporting")}
    except FileNotFoundError as error:
        _fail(str(error))
    token = operator.province_token(secret, ttl=timedelta(hours=6))
    try:
        report = load_province(province, urls, token, show_progress=progress)
    except (httpx.HTTPError, demo_data.DemoError) as error:
        _fail(f"province demo: {error}")
    typer.echo(f"generated in {generated:.1f} s")
    typer.echo(report.summary(province))
    typer.echo(f"the dashboard: {urls['reporting']}/dashboard; check the figures: htx reporting verify")


# --- dead letters -------------------------------------------------------------------------


@contextlib.contextmanager
def _redis_errors(data_dir: Path) -> Iterator[None]:
    import redis

    try:
        yield
    except redis.RedisError as error:
        _fail(f"Redis at {operator.redis_url(data_dir)}: {error} (set HTX_REDIS_URL, or start `htx up`)")


def _streams(stream: str | None) -> list[str]:
    return [stream] if stream else list(operator.STREAMS)


@dlq_app.command("list")
def dlq_list(
    stream: Annotated[str | None, typer.Option(help="registry.events or supplychain.events (default: both)")] = None,
    group: Annotated[str | None, typer.Option(help="Only this consumer group (= service)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable: a JSON list")] = False,
    data_dir: DataDir = Path("data"),
) -> None:
    """List dead letters, read straight from Redis."""
    with _redis_errors(data_dir):
        letters = operator.list_dead_letters(
            operator.redis_url(data_dir), _streams(stream), group, operator.stream_prefix()
        )
    if as_json:
        typer.echo(json.dumps(letters, ensure_ascii=False))
        return
    if not letters:
        typer.echo("no dead letters")
        return
    typer.echo(format_dead_letters(letters))


def format_dead_letters(letters: list[dict]) -> str:
    columns = [
        ("DLQ_ID", "dlq_id"),
        ("STREAM", "stream"),
        ("GROUP", "group"),
        ("EVENT_TYPE", "event_type"),
        ("EVENT_ID", "event_id"),
        ("DELIVERIES", "deliveries"),
        ("FAILED_AT", "failed_at"),
        ("REASON", "reason"),
    ]
    rows = [[h for h, _ in columns]]
    for letter in letters:
        row = [str(letter.get(key, "")) for _, key in columns]
        row[-1] = row[-1].replace("\n", " ")[:80]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns) - 1)]
    return "\n".join(
        "  ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]).rstrip() for row in rows
    )


@dlq_app.command("show")
def dlq_show(
    dlq_id: Annotated[str, typer.Argument(help="The dead letter's id in <stream>.dlq")],
    stream: Annotated[str, typer.Option(help="registry.events or supplychain.events")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Every field of one dead letter, as JSON."""
    with _redis_errors(data_dir):
        letter = operator.get_dead_letter(operator.redis_url(data_dir), stream, dlq_id, operator.stream_prefix())
    if letter is None:
        _fail(f"no dead letter {dlq_id} on {stream}.dlq")
    typer.echo(json.dumps(letter, ensure_ascii=False, indent=2))


@dlq_app.command("replay")
def dlq_replay(
    dlq_id: Annotated[str, typer.Argument(help="The dead letter's id in <stream>.dlq")],
    stream: Annotated[str, typer.Option(help="registry.events or supplychain.events")],
    data_dir: DataDir = Path("data"),
) -> None:
    """Apply a dead letter once more through its service (after fixing the cause), then drop it."""
    with _redis_errors(data_dir):
        letter = operator.get_dead_letter(operator.redis_url(data_dir), stream, dlq_id, operator.stream_prefix())
    if letter is None:
        _fail(f"no dead letter {dlq_id} on {stream}.dlq")
    try:
        service = operator.owning_service(letter)
        secret = operator.read_secret(data_dir)
    except (LookupError, FileNotFoundError) as error:
        _fail(str(error))
    url = f"{operator.service_url(service, data_dir)}/admin/dead-letters/{stream}/{dlq_id}/replay"
    _post_and_print(url, operator.province_token(secret, ttl=timedelta(minutes=10)))


def _post_and_print(url: str, token: str) -> None:
    import httpx

    try:
        response = operator.post_admin(url, token)
    except httpx.HTTPError as error:
        _fail(f"POST {url}: {error}")
    body = response.text
    try:
        body = json.dumps(response.json(), ensure_ascii=False, indent=2)
    except ValueError:
        pass
    if response.status_code >= 400:
        _fail(f"POST {url}: HTTP {response.status_code}\n{body}")
    typer.echo(body)


# --- reporting ----------------------------------------------------------------------------


@reporting_app.command("rebuild")
def reporting_rebuild(
    data_dir: DataDir = Path("data"),
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Print the job and return; poll GET /admin/rebuild/{id} yourself")
    ] = False,
) -> None:
    """Rebuild the read models from the start of the streams, as a job of the running reporting service.

    Starts it (or joins the one already running), shows its progress on stderr, prints the
    finished job as JSON and exits 1 if it failed. Live consumption goes on meanwhile.
    """
    import httpx

    try:
        secret = operator.read_secret(data_dir)
    except FileNotFoundError as error:
        _fail(str(error))
    url = operator.service_url("reporting", data_dir)

    def token() -> str:
        return operator.province_token(secret, ttl=timedelta(minutes=10))

    try:
        job = started = operator.start_rebuild(url, token())
        if not no_wait:
            typer.echo(operator.describe_rebuild(started), err=True)
            for job in operator.watch_rebuild(url, started, token):
                typer.echo(operator.describe_rebuild(job), err=True)
    except (operator.AdminRefused, httpx.HTTPError) as error:
        _fail(f"reporting rebuild at {url}: {error}")
    typer.echo(json.dumps(job, ensure_ascii=False, indent=2))
    if job["state"] == "failed":
        _fail(f"rebuild {job['id']} failed: {job['error']}")


@reporting_app.command("verify")
def reporting_verify(
    data_dir: DataDir = Path("data"),
    skip_supplychain: Annotated[bool, typer.Option("--skip-supplychain", help="Check the registry only")] = False,
) -> None:
    """Recompute totals from the registry's and supplychain's APIs; print differences; exit 1 on any."""
    import asyncio

    import httpx

    from services.reporting.verify import run

    supplychain, secret = None, None
    if not skip_supplychain:  # the supply chain's /totals wants a province token signed with the platform's secret
        supplychain = operator.service_url("supplychain", data_dir)
        try:
            secret = operator.read_secret(data_dir)
        except FileNotFoundError as error:
            _fail(str(error))
    try:
        result = asyncio.run(
            run(
                operator.database_url("reporting", data_dir),
                operator.service_url("registry", data_dir),
                supplychain,
                secret,
            )
        )
    except httpx.HTTPError as error:
        _fail(f"could not read a producing service: {error}")
    typer.echo(result.render())
    if not result.ok:
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
