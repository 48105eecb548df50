"""Django settings, read from the environment (see README: 配置)."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from xinfang.core.env import (
    cache_from,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_prefix,
    env_str,
    secret_key_from,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("XINFANG_DATA_DIR", Path.home() / ".local" / "share" / "xinfang")

DEBUG = env_bool("XINFANG_DEBUG", False)
SECRET_KEY = env_str("XINFANG_SECRET_KEY", "") or secret_key_from(DATA_DIR)
ALLOWED_HOSTS = env_list("XINFANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("XINFANG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # before django.contrib.auth: its `createsuperuser` points to `xinfang create-admin`
    "xinfang.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "axes",  # staff login lockout (xinfang/accounts/lockout.py)
    "django_otp",  # two-factor sign-in (xinfang/accounts/second_factor.py)
    "django_otp.plugins.otp_totp",
    "xinfang.core",
    "xinfang.organisation",
    "xinfang.intake",
    "xinfang.workflow",
    "xinfang.documents",
    "xinfang.notifications",
    "xinfang.analytics",
    "xinfang.portal",
    "xinfang.api",
    "xinfang.open311",
    "xinfang.leaders",
    "xinfang.disputes",  # 矛盾纠纷排查化解: disputes, escalation, mediation, the A4 ledger
    "xinfang.casework",  # joint meetings, 会办会, batches handed down (交办积案), 积案
    "xinfang.hearings",  # 信访听证 on a matter in handling, review or re-review
    "xinfang.demo",
]

MIDDLEWARE = [
    # first: a body over XINFANG_REQUEST_MAX_BYTES is refused (413) before it is read
    "xinfang.core.limits.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # whether this session's login was confirmed by TOTP
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # a login that still owes its second factor reaches only the enrolment and verify pages
    "xinfang.accounts.middleware.SecondFactorMiddleware",
    "xinfang.core.middleware.RequestContextMiddleware",
    # last: turns a locked login into the login page saying so (xinfang.accounts.lockout)
    "axes.middleware.AxesMiddleware",
]

# Request bodies: one whose Content-Length passes XINFANG_REQUEST_MAX_BYTES (all of one form's
# files together; default 64 MB) is answered 413 unread, and multipart bodies are counted as they
# stream (xinfang.core.limits). Form fields other than files are held in memory up to 2.5 MB
# (beyond: 413 from the API and Open311, the 400 page elsewhere); a file is kept in memory up to
# 2.5 MB and streamed to a temporary file beyond that.
XINFANG_REQUEST_MAX_BYTES = env_int("XINFANG_REQUEST_MAX_BYTES", 64 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "xinfang.core.limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

ROOT_URLCONF = "xinfang.urls"
WSGI_APPLICATION = "xinfang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'xinfang.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", "") or _default_db, conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and a background worker share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# The test suite's PostgreSQL database (two runs on one server must not collide). SQLite keeps
# Django's in-memory test database: a name would make it a file in the working directory, so
# bin/test, which runs both side by side with the same environment, ran SQLite unlike CI.
_test_db_name = env_str("XINFANG_TEST_DB_NAME", "") or None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _test_db_name = None
DATABASES["default"]["TEST"] = {"NAME": _test_db_name}
# Notifications: in-app always; SMS and e-mail digests of the clock scan through these backends
# (dotted paths). The default file backend appends JSON lines to <data dir>/notifications/.
XINFANG_NOTIFY = {
    "SMS_BACKEND": env_str("XINFANG_SMS_BACKEND", "xinfang.notifications.backends.FileBackend"),
    "EMAIL_BACKEND": env_str("XINFANG_EMAIL_BACKEND", "xinfang.notifications.backends.FileBackend"),
    "FILE_DIR": DATA_DIR / "notifications",  # <channel>.jsonl
    "DIGEST_ITEMS": 5,
}

# Counters of the API's throttles and of the portal's per-address limit: this process's memory by
# default; with several server processes (gunicorn workers, machines) one Redis shared by all.
CACHES = {"default": cache_from("XINFANG_CACHE_URL")}

# The public portal: new online petitions per client address and hour (0: no limit — behind a
# proxy that hides the clients' addresses).
XINFANG_PORTAL_SUBMITS_PER_HOUR = env_int("XINFANG_PORTAL_SUBMITS_PER_HOUR", 20, minimum=0)

# Background work (clock scans, notifications, report builds) through the Django tasks API:
# the database backend by default, run by `xinfang db_worker`; tests run tasks immediately.
TASKS = {
    "default": {
        "BACKEND": env_str("XINFANG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# intake.Matter's partial index for 息访 carries INCLUDE columns, a PostgreSQL-only covering; SQLite
# builds it without them (correct, only slower), so its warning on every command is noise
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "xinfang.accounts.passwords.NoUsernameOrRepetitionValidator"},
    {
        "NAME": "xinfang.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff login lockout (django-axes, xinfang/accounts/lockout.py): an account is locked after
# XINFANG_LOGIN_FAILURES_PER_ACCOUNT failed logins, an address after
# XINFANG_LOGIN_FAILURES_PER_ADDRESS (0: never — behind a proxy that hides the clients'
# addresses), each for XINFANG_LOGIN_LOCKOUT_MINUTES after the last failure, even with the right
# password; the admin sees and lifts locks in /manage/ (登录失败与锁定).
AUTHENTICATION_BACKENDS = [
    "xinfang.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "xinfang.accounts.lockout.LoginAttempts"
AXES_FAILURE_LIMIT = env_int("XINFANG_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
XINFANG_LOGIN_FAILURES_PER_ADDRESS = env_int("XINFANG_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=0)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("XINFANG_LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # in this order (LoginAttempts reads it)
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True  # the account's own failures only (LoginAttempts)
AXES_LOCKOUT_CALLABLE = "xinfang.accounts.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # our own page in /manage/, in Chinese
AXES_DISABLE_ACCESS_LOG = True  # logins are in the product's audit
AXES_VERBOSE = False
# Two-factor sign-in (xinfang/accounts/second_factor.py): with `required` every role that may
# reveal personal data or manage (core.permissions.requires_second_factor) confirms its password
# with a TOTP code from a phone app (or a one-time recovery code); `off` asks nobody — for bin/demo,
# whose logins and passwords are printed for anyone to try, never for a real bureau.
XINFANG_TWO_FACTOR = env_choice("XINFANG_TWO_FACTOR", "required", ("required", "off"))
OTP_TOTP_ISSUER = "信访业务系统"
# n wrong codes in a row: the next one is not even checked for 2^(n-1) seconds (django-otp's count,
# kept on the user's device, so a new password login does not clear it)
OTP_TOTP_THROTTLE_FACTOR = 1

# Chinese whatever the browser asks for (no LocaleMiddleware): the bureau's pages, /manage/
# (Django's admin) and the messages of Django itself all speak one language
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # what Django's own catalogue leaves in English
TIME_ZONE = env_str("XINFANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# xinfang/static is not inside an app, so the finders must be told where it is.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Our static files (htmx, ECharts, CSS) are served by the app itself from our own tree.
WHITENOISE_USE_FINDERS = True
# Attachments live under the data directory, never under a web-served folder.
MEDIA_ROOT = DATA_DIR / "attachments"

# HTTPS. Production sets XINFANG_HTTPS=1 (with XINFANG_SECRET_KEY and XINFANG_ALLOWED_HOSTS) and
# passes `xinfang check --deploy` with no warning: plain http is redirected to https, cookies are
# sent over https only, and browsers are told to use https for a year (HSTS, subdomains, preload;
# each can be turned down by its own variable). Behind a proxy that ends TLS, XINFANG_PROXY_SSL=1
# trusts its X-Forwarded-Proto. Unset — bin/demo, tests, a laptop — everything stays plain http.
HTTPS = env_bool("XINFANG_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("XINFANG_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("XINFANG_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("XINFANG_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("XINFANG_HSTS_PRELOAD", HTTPS)
if env_bool("XINFANG_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Phones and ID numbers sealed at rest (xinfang/core/sealing.py): data keys newest first (each
# 32 random bytes in base64; `xinfang rotate-data-key --new-key` makes one) and the key of the
# look-up hashes. Unset, both are derived from SECRET_KEY — for a laptop, tests and bin/demo only:
# with XINFANG_HTTPS (production) settings refuse to start without them.
XINFANG_DATA_KEYS = env_list("XINFANG_DATA_KEYS", [])
XINFANG_LOOKUP_KEY = env_str("XINFANG_LOOKUP_KEY", "").strip()
# The audit chain's HMAC key (xinfang/core/chain.py), 32 bytes in base64; unset, derived from
# XINFANG_LOOKUP_KEY (or SECRET_KEY). Never changed once the chain holds rows signed with it.
XINFANG_AUDIT_KEY = env_str("XINFANG_AUDIT_KEY", "").strip()
if HTTPS and not (XINFANG_DATA_KEYS and XINFANG_LOOKUP_KEY):
    raise ImproperlyConfigured(
        "XINFANG_HTTPS=1（正式部署）须设置 XINFANG_DATA_KEYS 和 XINFANG_LOOKUP_KEY："
        "电话和身份证号加密存放，密钥不能由 SECRET_KEY 推出"
    )
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("XINFANG_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal": {"()": "xinfang.core.logfilters.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("XINFANG_LOG_LEVEL", "WARNING")},
    "loggers": {
        # the audit chain's daily anchor (core/chain.py) is always written
        "xinfang.audit": {"level": "INFO"},
        # a 403 is one line, not a traceback
        "django.request": {"filters": ["refusal"]},
    },
}

# Domain settings: every number the regulations give is a setting with the regulation's default.
XINFANG: dict[str, Any] = {
    "COLLECTIVE_THRESHOLD": env_int("XINFANG_COLLECTIVE_THRESHOLD", 5, minimum=2),
    # numbers of new matters and registrations: PREFIX-YEAR-NNNNNN (core.sequences.serial_number)
    "MATTER_NUMBER_PREFIX": env_prefix("XINFANG_MATTER_NUMBER_PREFIX", "XF"),
    "REGISTRATION_NUMBER_PREFIX": env_prefix("XINFANG_REGISTRATION_NUMBER_PREFIX", "DJ"),
    "MAX_REPRESENTATIVES": 5,
    "ATTACHMENT_MAX_BYTES": env_int("XINFANG_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1),
    "ATTACHMENT_TYPES": {
        "application/pdf": [".pdf"],
        "image/jpeg": [".jpg", ".jpeg"],
        "image/png": [".png"],
        "image/tiff": [".tif", ".tiff"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
    },
    "MATTER_LIST_PAGE_SIZE": 50,
    # 相似事项 at the desk: open matters, and closed ones received within this many days
    "SIMILAR_RECENT_DAYS": env_int("XINFANG_SIMILAR_RECENT_DAYS", 365, minimum=1),
    # Clocks (domain brief, section 4): limits in calendar days, except the 退回 working days.
    "ROUTE_DAYS": env_int("XINFANG_ROUTE_DAYS", 15, minimum=1),
    "ACCEPT_DAYS": env_int("XINFANG_ACCEPT_DAYS", 15, minimum=1),
    "RETURN_WORKING_DAYS": env_int("XINFANG_RETURN_WORKING_DAYS", 5, minimum=1),
    # a step may be dated this many working days before the day it is entered; earlier only with
    # a 督查's approval (xinfang.workflow.entry)
    "BACKDATE_WORKING_DAYS": env_int("XINFANG_BACKDATE_WORKING_DAYS", 3, minimum=0),
    "HANDLE_DAYS": env_int("XINFANG_HANDLE_DAYS", 60, minimum=1),
    "EXTENSION_MAX_DAYS": env_int("XINFANG_EXTENSION_MAX_DAYS", 30, minimum=1),
    "REVIEW_REQUEST_DAYS": env_int("XINFANG_REVIEW_REQUEST_DAYS", 30, minimum=1),
    "REVIEW_DECIDE_DAYS": env_int("XINFANG_REVIEW_DECIDE_DAYS", 30, minimum=1),
    "REREVIEW_REQUEST_DAYS": env_int("XINFANG_REREVIEW_REQUEST_DAYS", 30, minimum=1),
    "REREVIEW_DECIDE_DAYS": env_int("XINFANG_REREVIEW_DECIDE_DAYS", 30, minimum=1),
    # 息访率 (report B2): a replied matter is settled when no registration follows its reply
    # within this many calendar days; it counts in the period the window ends.
    "SETTLE_DAYS": 90,
    # 督办期限 when a notice names none: calendar days from the day it is raised.
    "SUPERVISION_DAYS": env_int("XINFANG_SUPERVISION_DAYS", 15, minimum=1),
    # 信访工作法治化考核: weights of the acceptance, handling and supervision ratios (contract B).
    "RULE_OF_LAW_WEIGHTS": (1.2, 0.5, 0.8),
    # 季考评 of handling units: points of each part (out of 100) and per 不当退回 deducted.
    "ASSESSMENT_WEIGHTS": {"on_time": 40, "satisfaction": 30, "supervision": 30, "return_fault": 2},
    # 预警: a clock warns this many calendar days before its last day (0: on the last day only).
    "CLOCK_WARNING_DAYS": env_int("XINFANG_CLOCK_WARNING_DAYS", 3, minimum=0),
    # How long a process trusts its cached holiday years before asking whether an admin changed one.
    "CALENDAR_RECHECK_SECONDS": env_int("XINFANG_CALENDAR_RECHECK_SECONDS", 60, minimum=0),
    # Leader receptions: sessions appear on the portal this many days ahead ("提前5天公示"); what a
    # session does not settle on the spot is routed within this many working days of it.
    "RECEPTION_PUBLISH_DAYS": env_int("XINFANG_RECEPTION_PUBLISH_DAYS", 5, minimum=0),
    "RECEPTION_ROUTE_WORKING_DAYS": env_int("XINFANG_RECEPTION_ROUTE_WORKING_DAYS", 2, minimum=1),
    # 矛盾纠纷: each level's time to settle in calendar days (xinfang.disputes); 区县 is the top:
    # its clock warns and goes overdue but raises nothing (a leader package follows there)
    "DISPUTE_DAYS": {
        "village": env_int("XINFANG_DISPUTE_VILLAGE_DAYS", 15, minimum=1),
        "street": env_int("XINFANG_DISPUTE_STREET_DAYS", 15, minimum=1),
        "district": env_int("XINFANG_DISPUTE_DISTRICT_DAYS", 30, minimum=1),
    },
    # 积案: a matter not 化解 this many days after its first registration (xinfang.casework)
    "LONG_STANDING_DAYS": env_int("XINFANG_LONG_STANDING_DAYS", 365, minimum=1),
    # Suggested 内容分类 and 责任单位 (xinfang.intake.suggestions): the model is trained on the
    # newest this many matters, once there are at least the minimum, and retrained by the daily
    # scan when its file is older than this many days.
    "SUGGESTION_TRAIN_LIMIT": env_int("XINFANG_SUGGESTION_TRAIN_LIMIT", 200_000, minimum=100),
    "SUGGESTION_MIN_EXAMPLES": env_int("XINFANG_SUGGESTION_MIN_EXAMPLES", 500, minimum=2),
    "SUGGESTION_RETRAIN_DAYS": env_int("XINFANG_SUGGESTION_RETRAIN_DAYS", 7, minimum=1),
    # 热点 (analytics.counting.hotspots): matters of different petitioners about one company,
    # project or place within this many days; shown from the minimum of petitioners, and the
    # bureau is notified once one reaches the alert figure.
    "HOTSPOT_WINDOW_DAYS": env_int("XINFANG_HOTSPOT_WINDOW_DAYS", 90, minimum=7),
    "HOTSPOT_MIN_PETITIONERS": env_int("XINFANG_HOTSPOT_MIN_PETITIONERS", 3, minimum=2),
    "HOTSPOT_ALERT_PETITIONERS": env_int("XINFANG_HOTSPOT_ALERT_PETITIONERS", 10, minimum=2),
}

# REST API v1 (xinfang.api) and Open311: token per system account, one error format, OpenAPI.
# The api app owns this block.
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_SCHEMA_CLASS": "xinfang.api.schema.XinfangAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["xinfang.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "xinfang.api.paging.FirstRendererNegotiation",
    "DEFAULT_PAGINATION_CLASS": "xinfang.api.paging.Pagination",
    "EXCEPTION_HANDLER": "xinfang.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["xinfang.api.throttling.TokenRateThrottle"],
    # per token (per address before a token is known); reads and writes counted apart
    "DEFAULT_THROTTLE_RATES": {"read": "600/minute", "write": "60/minute"},
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Xinfang 信访 API",
    "DESCRIPTION": (
        "信访业务系统的接口 v1。每个系统账号一个令牌（请求头 Authorization: Token <密钥>），"
        "能看、能做的与该账号在网页上相同。所有拒绝都是同一格式："
        '{"error": {"code": …, "message": 中文说明, "fields": {字段: [中文说明]}}}。'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "xinfang.api.schema.add_error_component",
    ],
    "ENUM_NAME_OVERRIDES": {},
}
