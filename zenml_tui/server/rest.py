"""A small ZenML REST client on the standard library (fast to import: the provider and
status checks run it in short-lived processes).

Authentication as the official provider does it: `POST /api/v1/login` with the API key
as the form field `password`, then `Authorization: Bearer <token>`; the token is reused
until shortly before it expires. Errors carry the server's own message and never the
request body (which may hold credentials).
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from zenml_tui.errors import Kind, ZenMLTUIError

API = "/api/v1"


class ZenMLError(ZenMLTUIError):
    """A failed call: HTTP status (0 when the server was not reached or did not answer in
    time), the server's error type and its message."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        method: str = "",
        path: str = "",
        timed_out: bool = False,
        refused_credentials: bool = False,
        url: str = "",
    ) -> None:
        self.status = status
        self.error_type = error_type
        self.method = method
        self.path = path
        self.timed_out = timed_out
        self.url = url
        self.refused_credentials = refused_credentials or status == 401
        where = f"{method} {path}: " if method else ""
        text = (
            f"{where}{error_type + ': ' if error_type else ''}{message} (HTTP {status})"
            if status
            else f"{where}{message}"
        )
        if timed_out:
            kind, hint = Kind.SERVER_HUNG, "check the server: zenml-tui server status"
        elif status == 0:
            kind, hint = Kind.SERVER_DOWN, "start it (zenml-tui server up) or check its URL"
        elif self.refused_credentials:
            kind, hint = Kind.SERVER_AUTH, "check the API key the environment names"
        else:
            kind, hint = Kind.SERVER_ERROR, ""
        super().__init__(text, kind=kind, hint=hint)
        self.detail = message  # the server's own words, without where or status

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def auth_failed(self) -> bool:
        return self.refused_credentials


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
        """One request; every error names this server."""
        try:
            return self._request(method, path, body, form, params, auth)
        except ZenMLError as exc:
            if not exc.url:
                exc.url = self.url
            raise

    def _request(
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
            if isinstance(reason, TimeoutError | socket.timeout):
                raise ZenMLError(
                    0,
                    "",
                    f"the ZenML server at {self.url} did not answer within {self.timeout:g} s",
                    method,
                    path,
                    timed_out=True,
                ) from None
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
            raise ZenMLError(
                401, "AuthenticationError", "no API key or API token was given", url=self.url
            )
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
                    f"the server refused the API key: {exc.detail}",
                    "POST",
                    f"{API}/login",
                    refused_credentials=True,
                    url=self.url,
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

    def post(self, path: str, body: Any, **params: Any) -> Any:
        return self._send("POST", API + path, body=body, params=params or None)

    def login_with_password(self, username: str, password: str) -> str:
        """A bearer token for a user (the local server's admin sets up the service
        account this way); the client then uses it."""
        data = self._send(
            "POST",
            f"{API}/login",
            form={"username": username, "password": password},
            auth=False,
        )
        self._token, self._token_expires = data["access_token"], float("inf")
        return self._token

    def put(self, path: str, body: Any, **params: Any) -> Any:
        return self._send("PUT", API + path, body=body, params=params or None)

    def delete(self, path: str) -> Any:
        return self._send("DELETE", API + path)

    def health(self) -> bool:
        try:
            return bool(self._send("GET", "/health", auth=False) == "ok")
        except ZenMLError:
            return False

    def info(self) -> dict[str, Any]:
        info = self._send("GET", f"{API}/info", auth=False)
        if not isinstance(info, dict):
            raise ZenMLError(0, "", f"{self.url} is not a ZenML server (GET {API}/info)")
        return info

    def list_all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.get(path, page=page, size=100, **params)
            items.extend(data.get("items", []))
            if page >= int(data.get("total_pages") or 1):
                return items
            page += 1

    def count(self, path: str, **params: Any) -> int:
        return int(self.get(path, page=1, size=1, **params).get("total", 0))
