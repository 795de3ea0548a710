"""Typed settings, read once from the environment (and `.env`) by `python -m bot`."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]


class Secret:
    """A value that never shows in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    nlu_autostart: bool = True
    nlu_model: Path = ROOT / "nlu" / "models" / "current.tar.gz"
    nlu_python: Path = ROOT / "nlu" / ".venv" / "bin" / "python"
    nlu_timeout: float = 3.0
    nlu_startup_timeout: float = 300.0
    crisis_rank_threshold: float = 0.15
    high_risk_rank_threshold: float = 0.2
    max_text_chars: int = 5000
    content_dir: Path = ROOT / "content"
    training_data_dir: Path = ROOT / "nlu" / "data"  # the model's vocabulary (novelty)
    var_dir: Path = ROOT / "var"
    log_level: str = "INFO"
    log_hash_key: Secret = field(default_factory=lambda: Secret(""))
    # Redis: empty → an embedded server under var/ started by the bot.
    redis_url: str = ""
    # SQL database: empty → SQLite under var/; production: postgresql://…
    database_url: str = ""
    retention_days: int = 90  # transcripts of closed cases are deleted after this many days
    session_ttl: int = 24 * 3600
    # A console login ends after this long without a key, click or action (not polling).
    console_idle_seconds: int = 30 * 60
    # Channels: a channel whose secrets are not all set is disabled (404).
    messenger_app_secret: Secret = field(default_factory=lambda: Secret(""))
    messenger_verify_token: Secret = field(default_factory=lambda: Secret(""))
    messenger_page_access_token: Secret = field(default_factory=lambda: Secret(""))
    messenger_api_base: str = "https://graph.facebook.com/v25.0"
    messenger_calls_per_second: float = 300.0  # Send API calls per page
    zalo_app_id: str = ""
    zalo_app_secret: Secret = field(default_factory=lambda: Secret(""))
    zalo_oa_secret_key: Secret = field(default_factory=lambda: Secret(""))
    zalo_access_token: Secret = field(default_factory=lambda: Secret(""))
    zalo_refresh_token: Secret = field(default_factory=lambda: Secret(""))
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    # Web chat: off unless asked for (a try-out channel with no platform in front of it).
    webchat_enabled: bool = False
    webchat_chats_per_hour: int = 10  # new chats one address may open in an hour
    webchat_messages_per_minute: int = 30  # messages from one address in a minute
    webchat_chat_messages_per_minute: int = 12  # messages in one chat in a minute
    webchat_max_waiting: int = 10  # web chats that may wait in the counselor queue at once
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: tuple[str, ...] = ()
    # Signed webhook events older than this (seconds) are refused as replays.
    webhook_max_age: int = 24 * 3600
    # The NLU server's token (?token=): empty → a random one for the server the bot starts.
    rasa_token: Secret = field(default_factory=lambda: Secret(""))
    # GET /metrics needs `Authorization: Bearer <token>`; empty → /metrics answers 404.
    metrics_token: Secret = field(default_factory=lambda: Secret(""))
    worker_tasks: int = (
        4  # worker tasks inside `serve`; 0 leaves the work to `python -m bot worker`
    )
    send_timeout: float = 10.0
    send_retries: int = 4
    # On-call paging (bot/oncall): the console's public address for the links in a page;
    # SMTP for e-mail (disabled without SMTP_HOST and SMTP_FROM); when to page and escalate.
    public_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | ssl | none (a relay on the same host)
    smtp_user: str = ""
    smtp_password: Secret = field(default_factory=lambda: Secret(""))
    smtp_from: str = ""
    smtp_timeout: float = 10.0
    oncall_page_after_minutes: float = 3.0  # nobody claimed an urgent child in this time
    oncall_escalate_after_minutes: float = 5.0  # no acknowledgement: the next on the roster
    oncall_priorities: tuple[str, ...] = ("imminent", "high")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        def text(name: str, default: str) -> str:
            value = env.get(name, "").strip()
            return value or default

        def secret(name: str) -> Secret:
            return Secret(env.get(name, "").strip())

        def flag(name: str, default: bool) -> bool:
            return text(name, str(default)).lower() in {"1", "true", "yes", "on"}

        def number(name: str, default: int) -> int:
            return int(text(name, str(default)))

        def path(name: str, default: Path) -> Path:
            return Path(text(name, str(default))).absolute()

        defaults = cls()
        return cls(
            host=text("HOST", defaults.host),
            port=int(text("PORT", str(defaults.port))),
            rasa_url=text("RASA_URL", defaults.rasa_url).rstrip("/"),
            nlu_autostart=flag("NLU_AUTOSTART", defaults.nlu_autostart),
            nlu_model=path("NLU_MODEL", defaults.nlu_model),
            nlu_python=path("NLU_PYTHON", defaults.nlu_python),
            nlu_timeout=float(text("NLU_TIMEOUT", str(defaults.nlu_timeout))),
            nlu_startup_timeout=float(
                text("NLU_STARTUP_TIMEOUT", str(defaults.nlu_startup_timeout))
            ),
            crisis_rank_threshold=float(
                text("CRISIS_RANK_THRESHOLD", str(defaults.crisis_rank_threshold))
            ),
            high_risk_rank_threshold=float(
                text("HIGH_RISK_RANK_THRESHOLD", str(defaults.high_risk_rank_threshold))
            ),
            max_text_chars=int(text("MAX_TEXT_CHARS", str(defaults.max_text_chars))),
            content_dir=path("CONTENT_DIR", defaults.content_dir),
            training_data_dir=path("TRAINING_DATA_DIR", defaults.training_data_dir),
            var_dir=path("VAR_DIR", defaults.var_dir),
            log_level=text("LOG_LEVEL", defaults.log_level).upper(),
            log_hash_key=Secret(env.get("LOG_HASH_KEY", "")),
            redis_url=text("REDIS_URL", ""),
            database_url=text("DATABASE_URL", ""),
            retention_days=int(text("RETENTION_DAYS", str(defaults.retention_days))),
            session_ttl=int(text("SESSION_TTL", str(defaults.session_ttl))),
            console_idle_seconds=number("CONSOLE_IDLE_SECONDS", defaults.console_idle_seconds),
            messenger_app_secret=secret("MESSENGER_APP_SECRET"),
            messenger_verify_token=secret("MESSENGER_VERIFY_TOKEN"),
            messenger_page_access_token=secret("MESSENGER_PAGE_ACCESS_TOKEN"),
            messenger_api_base=text("MESSENGER_API_BASE", defaults.messenger_api_base).rstrip("/"),
            messenger_calls_per_second=float(
                text("MESSENGER_CALLS_PER_SECOND", str(defaults.messenger_calls_per_second))
            ),
            zalo_app_id=text("ZALO_APP_ID", ""),
            zalo_app_secret=secret("ZALO_APP_SECRET"),
            zalo_oa_secret_key=secret("ZALO_OA_SECRET_KEY"),
            zalo_access_token=secret("ZALO_ACCESS_TOKEN"),
            zalo_refresh_token=secret("ZALO_REFRESH_TOKEN"),
            zalo_api_base=text("ZALO_API_BASE", defaults.zalo_api_base).rstrip("/"),
            zalo_oauth_base=text("ZALO_OAUTH_BASE", defaults.zalo_oauth_base).rstrip("/"),
            webchat_enabled=flag("WEBCHAT_ENABLED", defaults.webchat_enabled),
            webchat_chats_per_hour=number(
                "WEBCHAT_CHATS_PER_HOUR", defaults.webchat_chats_per_hour
            ),
            webchat_messages_per_minute=number(
                "WEBCHAT_MESSAGES_PER_MINUTE", defaults.webchat_messages_per_minute
            ),
            webchat_chat_messages_per_minute=number(
                "WEBCHAT_CHAT_MESSAGES_PER_MINUTE", defaults.webchat_chat_messages_per_minute
            ),
            webchat_max_waiting=number("WEBCHAT_MAX_WAITING", defaults.webchat_max_waiting),
            trusted_proxies=tuple(
                part.strip() for part in env.get("TRUSTED_PROXIES", "").split(",") if part.strip()
            ),
            webhook_max_age=number("WEBHOOK_MAX_AGE", defaults.webhook_max_age),
            rasa_token=secret("RASA_TOKEN"),
            metrics_token=secret("METRICS_TOKEN"),
            worker_tasks=int(text("WORKER_TASKS", str(defaults.worker_tasks))),
            send_timeout=float(text("SEND_TIMEOUT", str(defaults.send_timeout))),
            send_retries=int(text("SEND_RETRIES", str(defaults.send_retries))),
            public_url=text("PUBLIC_URL", "").rstrip("/"),
            smtp_host=text("SMTP_HOST", ""),
            smtp_port=number("SMTP_PORT", defaults.smtp_port),
            smtp_security=text("SMTP_SECURITY", defaults.smtp_security).lower(),
            smtp_user=text("SMTP_USER", ""),
            smtp_password=secret("SMTP_PASSWORD"),
            smtp_from=text("SMTP_FROM", ""),
            smtp_timeout=float(text("SMTP_TIMEOUT", str(defaults.smtp_timeout))),
            oncall_page_after_minutes=float(
                text("ONCALL_PAGE_AFTER_MINUTES", str(defaults.oncall_page_after_minutes))
            ),
            oncall_escalate_after_minutes=float(
                text("ONCALL_ESCALATE_AFTER_MINUTES", str(defaults.oncall_escalate_after_minutes))
            ),
            oncall_priorities=tuple(
                part.strip()
                for part in text("ONCALL_PRIORITIES", ",".join(defaults.oncall_priorities)).split(
                    ","
                )
                if part.strip()
            ),
        )

    @property
    def rasa_is_local(self) -> bool:
        return urlsplit(self.rasa_url).hostname in {"127.0.0.1", "localhost", "::1"}
