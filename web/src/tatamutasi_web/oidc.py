"""OpenID Connect login (Keycloak-compatible): authorization code flow with PKCE (S256),
state and nonce checked, the ID token verified against the provider's JWKS."""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from tatamutasi_platform.auth import ROLES


class OidcError(Exception):
    pass


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) per RFC 7636 S256."""
    verifier = secrets.token_urlsafe(48)
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def roles_from_claims(claims: dict[str, Any], client_id: str | None = None) -> list[str]:
    """TataMutasi roles from `roles`, Keycloak's `realm_access.roles` or the client's
    `resource_access[client].roles`; unknown roles are ignored."""
    found: list[str] = []
    sources: list[Any] = [claims.get("roles"), (claims.get("realm_access") or {}).get("roles")]
    if client_id:
        sources.append(((claims.get("resource_access") or {}).get(client_id) or {}).get("roles"))
    for src in sources:
        for r in src or []:
            if r in ROLES and r not in found:
                found.append(r)
    return found


def unverified_claims(token: str) -> dict[str, Any]:
    """Claims of an access token for display only; every service verifies the token itself."""
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise OidcError(f"unreadable token: {exc}") from exc
    return claims


@dataclass
class OidcClient:
    issuer: str
    client_id: str
    redirect_url: str
    client_secret: str | None = None
    scopes: str = "openid profile email"
    _meta: dict[str, Any] | None = None

    async def metadata(self, http: httpx.AsyncClient) -> dict[str, Any]:
        if self._meta is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            r = await http.get(url)
            if r.status_code != 200:
                raise OidcError(f"discovery failed: {r.status_code}")
            self._meta = r.json()
        return self._meta

    async def authorization_url(self, http: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
        """The provider URL to send the browser to, and what the session must remember."""
        meta = await self.metadata(http)
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_url,
            "scope": self.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        url = meta["authorization_endpoint"] + "?" + urlencode(params)
        return url, {"state": state, "nonce": nonce, "verifier": verifier}

    async def exchange(
        self, http: httpx.AsyncClient, code: str, state: str, remembered: dict[str, str]
    ) -> dict[str, Any]:
        """Code → tokens; checks state, then the ID token's signature, issuer, audience and
        nonce. Returns `{access_token, id_token, claims}`."""
        if not remembered.get("state") or not secrets.compare_digest(state, remembered["state"]):
            raise OidcError("state mismatch")
        meta = await self.metadata(http)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_url,
            "client_id": self.client_id,
            "code_verifier": remembered["verifier"],
        }
        if self.client_secret:
            form["client_secret"] = self.client_secret
        r = await http.post(meta["token_endpoint"], data=form)
        if r.status_code != 200:
            raise OidcError(f"token endpoint answered {r.status_code}")
        tokens = r.json()
        id_token = tokens.get("id_token")
        access = tokens.get("access_token")
        if not id_token or not access:
            raise OidcError("no id_token/access_token in the token response")
        jwks = await http.get(meta["jwks_uri"])
        if jwks.status_code != 200:
            raise OidcError("jwks unavailable")
        keyset = jwt.PyJWKSet.from_dict(jwks.json())
        kid = jwt.get_unverified_header(id_token).get("kid")
        key = next((k for k in keyset.keys if kid is None or k.key_id == kid), None)
        if key is None:
            raise OidcError("no matching key for the ID token")
        try:
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "ES256", "EdDSA", "PS256"],
                audience=self.client_id,
                issuer=self.issuer,
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"invalid ID token: {exc}") from exc
        if claims.get("nonce") != remembered.get("nonce"):
            raise OidcError("nonce mismatch")
        return {"access_token": access, "id_token": id_token, "claims": claims}

    async def logout_url(self, http: httpx.AsyncClient, id_token: str | None, back: str) -> str:
        meta = await self.metadata(http)
        end = meta.get("end_session_endpoint")
        if not end:
            return back
        params = {"post_logout_redirect_uri": back, "client_id": self.client_id}
        if id_token:
            params["id_token_hint"] = id_token
        return end + "?" + urlencode(params)
