"""Rate limits per token (scoped: reads and writes apart), per address before a token is known."""

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from xinfang.api.auth import token_of


class TokenRateThrottle(SimpleRateThrottle):
    """Counts each token's calls in its scope: "read" for GET, "write" for the rest."""

    scope = "read"

    def allow_request(self, request: Any, view: Any) -> bool:
        self.scope = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        # read each time, so that a changed setting (or a test's) applies without a restart
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        token = token_of(request)
        if token is not None:
            return f"api-throttle:{self.scope}:token:{token.pk}"
        return f"api-throttle:{self.scope}:ip:{self.get_ident(request)}"
