"""The one module that knows the environment: paths, keys and alert settings."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
# The Dagster instance settings `hansyn refresh` and `make dev` give a new DAGSTER_HOME.
DAGSTER_INSTANCE_YAML = PROJECT_ROOT / "deploy" / "dagster.yaml"

# The city's time: the nightly schedule runs on it, and a night's date is its date there.
CITY_TIMEZONE = "Europe/Stockholm"


def night_date() -> dt.date:
    """Today's date in Göteborg, whatever the machine's own time zone."""
    return dt.datetime.now(ZoneInfo(CITY_TIMEZONE)).date()


def city_date(moment: dt.datetime) -> dt.date:
    """The date in Göteborg of a moment recorded in the machine's local time (naive)."""
    return moment.astimezone(ZoneInfo(CITY_TIMEZONE)).date()


# When the nightly job runs (cron, in CITY_TIMEZONE: the office's clock, summer time too).
DEFAULT_NIGHTLY_CRON = "0 2 * * *"

# How long a delivered file must have been left unchanged before it is loaded.
DEFAULT_SETTLE_SECONDS = 60.0

# Only for the bundled synthetic sample data: real data must come with HANSYN_PSEUDONYM_KEY.
DEVELOPMENT_PSEUDONYM_KEY = "hansyn-development-key-for-synthetic-sample-data-only"


class DevelopmentKeyWarning(UserWarning):
    """The pseudonymisation key is the public development key: fine for sample data only."""


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _link_path(name: str, default: Path) -> Path:
    """A path that may be a symbolic link to keep as such (the marts folder points at its
    current version: resolved, it would name one version for good)."""
    value = os.environ.get(name)
    if not value:
        return default
    path = Path(value).expanduser()
    return path.parent.resolve() / path.name


def seeds_dir() -> Path:
    """Where the loaders and suites read the reference lists: the dbt seeds, or a copy named
    by HANSYN_SEEDS_DIR (tests try an edited list there; dbt reads its own seed-paths)."""
    return _path("HANSYN_SEEDS_DIR", SEEDS_DIR)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in os.environ.get(name, "").split(",") if a.strip())


@dataclass(frozen=True)
class AlertSettings:
    recipients: tuple[str, ...] = ()
    sender: str = "hansyn@localhost"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    webhook_url: str | None = None
    rejected_rows_threshold: int = 0
    run_url_base: str = "http://localhost:3000"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    marts_dir: Path
    warehouse: Path
    dbt_target_dir: Path
    # Where Dagster keeps its runs: the same for `hansyn refresh` and `make dev`, so a run from
    # the command line shows in the UI.
    dagster_home: Path
    pseudonym_key: bytes = field(repr=False)
    pseudonym_key_is_development: bool = False
    alerts: AlertSettings = AlertSettings()
    # Sources whose row-count drop against the last delivery is accepted for this run (the
    # project office confirmed it): the check then warns instead of blocking publication.
    accept_row_count_drop: tuple[str, ...] = ()
    # A file changed more recently than this may still be being written (a copy or an export
    # in progress): it is left for the next run. The sensor waits the same minute of stillness.
    settle_seconds: float = 0.0
    # The feedback files to the suppliers (not published): beside the marts folder by default.
    feedback_dir: Path | None = None
    # Rebuild and publish even when nothing is new since the last publication (after a change
    # the fingerprint cannot see, or to exercise the whole night).
    rebuild: bool = False
    # The nightly schedule, a cron expression read in CITY_TIMEZONE.
    nightly_cron: str = DEFAULT_NIGHTLY_CRON


def load_settings() -> Settings:
    """Read the settings afresh (tests and the CLI change the environment between runs)."""
    key = os.environ.get("HANSYN_PSEUDONYM_KEY", "")
    is_dev = key == ""
    recipients = _list("HANSYN_ALERT_TO")
    marts_dir = _link_path("HANSYN_MARTS_DIR", PROJECT_ROOT / "data" / "marts")
    return Settings(
        raw_dir=_path("HANSYN_RAW_DIR", PROJECT_ROOT / "data" / "raw"),
        marts_dir=marts_dir,
        warehouse=_path("HANSYN_WAREHOUSE", PROJECT_ROOT / "data" / "warehouse.duckdb"),
        dbt_target_dir=_path("HANSYN_DBT_TARGET", DBT_PROJECT_DIR / "target"),
        dagster_home=_path("DAGSTER_HOME", PROJECT_ROOT / ".dagster_home"),
        pseudonym_key=(DEVELOPMENT_PSEUDONYM_KEY if is_dev else key).encode("utf-8"),
        pseudonym_key_is_development=is_dev,
        accept_row_count_drop=_list("HANSYN_ACCEPT_ROW_COUNT_DROP"),
        settle_seconds=float(os.environ.get("HANSYN_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)),
        feedback_dir=_path("HANSYN_FEEDBACK_DIR", marts_dir.parent / "feedback"),
        rebuild=_bool("HANSYN_REBUILD", False),
        nightly_cron=os.environ.get("HANSYN_NIGHTLY_CRON", "").strip() or DEFAULT_NIGHTLY_CRON,
        alerts=AlertSettings(
            recipients=recipients,
            sender=os.environ.get("HANSYN_ALERT_FROM", "hansyn@localhost"),
            smtp_host=os.environ.get("HANSYN_SMTP_HOST") or None,
            smtp_port=int(os.environ.get("HANSYN_SMTP_PORT", "25")),
            smtp_starttls=_bool("HANSYN_SMTP_STARTTLS", False),
            smtp_user=os.environ.get("HANSYN_SMTP_USER") or None,
            smtp_password=os.environ.get("HANSYN_SMTP_PASSWORD") or None,
            webhook_url=os.environ.get("HANSYN_ALERT_WEBHOOK_URL") or None,
            rejected_rows_threshold=int(os.environ.get("HANSYN_ALERT_REJECTED_THRESHOLD", "0")),
            run_url_base=os.environ.get("HANSYN_DAGSTER_URL", "http://localhost:3000").rstrip("/"),
        ),
    )


_development_key_warned = False


def pseudonym_key(settings: Settings) -> bytes:
    """The HMAC key, warning loudly when it is the development key: once per process (each
    source asks for it twice, and Dagster's steps reset the warnings filters' "once")."""
    global _development_key_warned
    if settings.pseudonym_key_is_development and not _development_key_warned:
        _development_key_warned = True
        warnings.warn(
            "HANSYN_PSEUDONYM_KEY is not set: personnummer are pseudonymised with the public "
            "development key. Use this only for the synthetic sample data.",
            DevelopmentKeyWarning,
            stacklevel=2,
        )
    return settings.pseudonym_key
