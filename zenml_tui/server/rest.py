"""A small ZenML REST client on the standard library (fast to import: the provider and
status checks run it in short-lived processes).

Authentication as the official provider does it: `POST /api/v1/login` with the API key
as the form field `password`, then `Authorization: Bearer <token>`; the token is reused
until shortly before it expires. Errors carry the server's own message and never the
request body (which may hold credentials).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

API = "/api/v1"


class ZenMLError(Exception):
    """A failed call: HTTP status (0 when the server was not reached) and its message."""

    def __init__(
        self, status: int, kind: str, message: str, method: str = "", path: str = ""
    ) -> None:
        self.status = status
        self.kind = kind
        self.message = message
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method else ""
        super().__init__(
            f"{where}{kind + ': ' if kind else ''}{message} (HTTP {status})"
            if status
            else f"{where}{message}"
        )

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def auth_failed(self) -> bool:
        return self.status == 401


def _error_from(status: int, raw: bytes, method: str, path: str) -> ZenMLError:
    kind, message = "", ""
    try:
        detail = json.loads(raw).get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list) and len(detail) == 2:
        kind, message = str(detail[0]), str(detail[1])
    elif isinstance(detail, list):
        message = "; ".join(
            f"{'.'.join(str(x) for x in d.get('loc', []))}: {d.get('msg')}"
            if isinstance(d, dict)
            else str(d)
            for d in detail
        )
    elif detail is not None:
        message = str(detail)
    else:
        message = raw.decode("utf-8", "replace")[:500] or "no message"
    return ZenMLError(status, kind, message.strip().strip('"'), method, path)


class ZenMLClient:
    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        api_token: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self._token = api_token
        self._token_expires = float("inf") if api_token else 0.0
        self.timeout = timeout
        self.logins = 0  # how often this client logged in (each costs the server ~0.7 s)

    # -- transport --------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        body: Any = None,
        form: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        url = self.url + path
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        headers = {"Accept": "application/json"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 401 and auth and self.api_key and self.logins == 0:
                self._token, self._token_expires = None, 0.0  # a stale token: log in again
                return self._send(method, path, body, form, params, auth)
            raise _error_from(exc.code, exc.read(), method, path) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ZenMLError(
                0, "", f"cannot reach the ZenML server at {self.url}: {reason}", method, path
            ) from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def token(self) -> str:
        if self._token and time.time() < self._token_expires:
            return self._token
        if not self.api_key:
            raise ZenMLError(401, "AuthenticationError", "no API key or API token was given")
        try:
            data = self._send(
                "POST",
                f"{API}/login",
                form={"password": self.api_key, "grant_type": "zenml-api-key"},
                auth=False,
            )
        except ZenMLError as exc:
            if exc.status in (400, 401, 403):
                raise ZenMLError(
                    exc.status,
                    "AuthenticationError",
                    f"the server refused the API key: {exc.message}",
                    "POST",
                    f"{API}/login",
                ) from None
            raise
        self.logins += 1
        self._token = data["access_token"]
        expires_in = data.get("expires_in")
        self._token_expires = time.time() + (float(expires_in) - 30 if expires_in else 3600.0)
        return self._token

    # -- verbs ----------------------------------------------------------------------------
    def adopt_token(self, token: str, expires: float) -> None:
        """Use a token obtained earlier (it is refreshed from the API key when refused)."""
        self._token, self._token_expires = token, expires

    def get(self, path: str, **params: Any) -> Any:
        return self._send("GET", API + path, params=params or None)

    def post(self, path: str, body: Any) -> Any:
        return self._send("POST", API + path, body=body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("PUT", API + path, body=body)

    def delete(self, path: str) -> Any:
        return self._send("DELETE", API + path)

    def health(self) -> bool:
        try:
            return self._send("GET", "/health", auth=False) == "ok"
        except ZenMLError:
            return False

    def info(self) -> dict:
        return self._send("GET", f"{API}/info", auth=False)

    def list_all(self, path: str, **params: Any) -> list[dict]:
        """Every item of a paged list."""
        items: list[dict] = []
        page = 1
        while True:
            data = self.get(path, page=page, size=100, **params)
            items.extend(data.get("items", []))
            if page >= int(data.get("total_pages") or 1):
                return items
            page += 1

    def count(self, path: str, **params: Any) -> int:
        return int(self.get(path, page=1, size=1, **params).get("total", 0))
