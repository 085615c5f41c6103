"""Writes for accounts: users, role grants and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError, FieldError
from unionhub.tenancy import in_union

from .access import AccessDenied, Actor
from .models import NODE_ROLES, UNION_ROLES, ApiToken, Role, RoleGrant, TokenScope, User

# ---------------------------------------------------------------------------------------------------------------
# Users

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers


def _password_message(error: ValidationError) -> str:
    # Django's zh-hans catalogue lacks some validator messages (e.g. the plural "too short"), so ours first.
    messages = {
        "password_too_short": _("密码太短，至少需要 %(min_length)d 个字符。"),
        "password_too_common": _("这个密码太常见了。"),
        "password_entirely_numeric": _("密码不能全部是数字。"),
        "password_too_similar": _("密码与%(verbose_name)s太相似。"),
    }
    template = messages.get(error.code, error.message)
    try:
        return str(template % (error.params or {}))
    except (KeyError, TypeError, ValueError):
        return str(error.message % error.params if error.params else error.message)


def user_create(*, username: str, password: str, full_name: str = "", phone: str = "") -> User:
    """Create an active user with a validated password (AUTH_PASSWORD_VALIDATORS). Nothing is written on error."""
    user = User(
        username=(username or "").strip(),
        full_name=(full_name or "").strip(),
        phone=(phone or "").strip(),
        is_active=True,
    )
    errors: list[FieldError] = []
    try:
        # Only the fields we set: the password is checked by the validators below, not as a model field.
        user.full_clean(exclude=["password", "last_login", "date_joined"])
    except ValidationError as exc:
        errors.extend(DomainValidationError.from_django(exc).errors)
    if user.phone and not PHONE_RE.match(user.phone):
        errors.append(FieldError("phone", "invalid_phone", _("请输入11位手机号码。")))
    try:
        password_validation.validate_password(password or "", user=user)
    except ValidationError as exc:
        for error in exc.error_list:
            errors.append(FieldError("password", error.code or "invalid", _password_message(error)))
    if errors:
        raise DomainValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up took the name between the check and the insert
        raise DomainValidationError.single("username", "unique", _("该用户名已被使用。")) from exc
    return user


# ---------------------------------------------------------------------------------------------------------------
# Role grants


def _scope_errors(*, role: str, node, union, branch_id) -> list[FieldError]:
    """Which target each role needs; mirrors the role_grant_scope_matches_role constraint with field errors."""
    if role not in Role.values:
        return [FieldError("role", "invalid_role", _("未知的角色。"))]
    errors: list[FieldError] = []
    if role == Role.PLATFORM_ADMIN:
        if node is not None:
            errors.append(FieldError("node", "not_allowed", _("平台管理员不针对具体组织授权。")))
        if union is not None:
            errors.append(FieldError("union", "not_allowed", _("平台管理员不针对具体组织授权。")))
    elif role in NODE_ROLES:
        if node is None:
            errors.append(FieldError("node", "required", _("总工会角色必须指定组织节点。")))
        if union is not None:
            errors.append(
                FieldError("union", "not_allowed", _("总工会角色只能授予组织节点，不能授予基层工会。"))
            )
    elif role in UNION_ROLES:
        if union is None:
            errors.append(FieldError("union", "required", _("基层工会角色必须指定基层工会。")))
        if node is not None:
            errors.append(
                FieldError("node", "not_allowed", _("基层工会角色只能授予基层工会，不能授予组织节点。"))
            )
    if role == Role.BRANCH_OFFICER:
        if branch_id is None:
            errors.append(FieldError("branch_id", "required", _("分会干部必须指定分会。")))
    elif branch_id is not None:
        errors.append(FieldError("branch_id", "not_allowed", _("只有分会干部需要指定分会。")))
    return errors


def role_grant_validate_scope(*, role: str, node=None, union=None, branch_id=None) -> None:
    """Raise DomainValidationError when the target does not fit the role (also used by the admin form)."""
    errors = _scope_errors(role=role, node=node, union=union, branch_id=branch_id)
    if not errors and role == Role.BRANCH_OFFICER and not _branch_exists(union, branch_id):
        errors.append(FieldError("branch_id", "not_found", _("该基层工会中没有这个分会。")))
    if errors:
        raise DomainValidationError(errors)


def _branch_exists(union, branch_id) -> bool:
    # Upward on purpose (a declared exception of the tiers, docs/architecture.md §1): a grant in the public schema
    # names a branch of the union's schema by plain id, so granting checks that schema's branch table.
    from organisation.models import Branch

    try:
        branch_id = int(branch_id)
    except (TypeError, ValueError):
        return False
    with in_union(union):
        return Branch.objects.filter(pk=branch_id).exists()


def role_grant_create(
    *, actor: Actor, user: User, role: str, node=None, union=None, branch_id: int | None = None
) -> RoleGrant:
    """Grant `role` to `user` on a node or union. Idempotent: an equal active grant is returned unchanged.

    The actor needs node.manage over the target (platform admins anywhere, federation admins in their subtree);
    a union admin may grant union_officer / branch_officer in their own union. Raises AccessDenied otherwise.
    """
    errors = _scope_errors(role=role, node=node, union=union, branch_id=branch_id)
    if errors:
        raise DomainValidationError(errors)
    # Authority before looking inside the union's schema for the branch.
    if not actor.can_grant(role, node=node, union=union):
        raise AccessDenied
    role_grant_validate_scope(role=role, node=node, union=union, branch_id=branch_id)
    if not user.is_active:
        raise DomainValidationError.single("user", "inactive", _("该用户已停用，不能授予角色。"))
    if branch_id is not None:
        branch_id = int(branch_id)  # checked by role_grant_validate_scope
    key = {"user": user, "role": role, "node": node, "union": union, "branch_id": branch_id}
    existing = RoleGrant.objects.active().filter(**key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return RoleGrant.objects.create(**key, granted_by=actor.user)
    except IntegrityError:
        # Lost a race with an identical grant (role_grant_unique_active): that one is the answer.
        existing = RoleGrant.objects.active().filter(**key).first()
        if existing is None:
            raise
        return existing


def role_grant_revoke(*, actor: Actor, grant: RoleGrant) -> RoleGrant:
    """Revoke a grant (kept as history with revoked_at). Same authority as granting; idempotent."""
    if not actor.can_grant(grant.role, node=grant.node, union=grant.union):
        raise AccessDenied
    if grant.revoked_at is None:
        # Conditional update: two concurrent revokes keep the first time.
        now = timezone.now()
        RoleGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(revoked_at=now)
        grant.refresh_from_db(fields=["revoked_at"])
    return grant


# ---------------------------------------------------------------------------------------------------------------
# API tokens
#
# The secret is 32 random bytes (256 bits) from `secrets`, so a single fast SHA-256 is enough at rest: slow,
# salted hashes such as Argon2 exist to stop offline guessing of low-entropy human passwords, and nobody can
# enumerate a 256-bit space however fast the hash. A plain digest is also deterministic, so a request finds its
# token by one indexed lookup on key_hash instead of verifying a slow hash against every candidate row — Argon2
# would cost ~50 ms of CPU on every API call for no security gain. The lookup compares digests of the secret,
# so timing reveals nothing an attacker can steer.

TOKEN_PREFIX = "uh_"
_TOKEN_RE = re.compile(r"^uh_[A-Za-z0-9_-]{43}$")
# Writing last_used_at on every request would turn every API read into a write; minute resolution is plenty.
LAST_USED_RESOLUTION_SECONDS = 60


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *, user, name: str, scopes: list[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret, which is never stored and shown only now."""
    name = (name or "").strip()
    scopes = sorted(set(scopes or []))
    errors: list[FieldError] = []
    if not name:
        errors.append(FieldError("name", "required", _("请填写令牌名称。")))
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors.append(FieldError("name", "max_length", _("令牌名称过长。")))
    if not scopes:
        errors.append(FieldError("scopes", "required", _("请至少选择一个权限范围。")))
    elif not set(scopes) <= set(TokenScope.values):
        errors.append(FieldError("scopes", "invalid_scope", _("未知的权限范围。")))
    if expires_at is not None and expires_at <= timezone.now():
        errors.append(FieldError("expires_at", "in_past", _("过期时间必须晚于当前时间。")))
    if errors:
        raise DomainValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:12],  # shown in lists so users can tell their tokens apart; not enough to guess one
        key_hash=_hash(secret),
        scopes=scopes,
        expires_at=expires_at,
    )
    return token, secret


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The usable token for this secret (not revoked, not expired, active user), or None."""
    raw = (raw or "").strip()
    if not _TOKEN_RE.match(raw):  # garbage never reaches the database
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token for good (idempotent). Callers check the token belongs to the requesting user."""
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db(fields=["revoked_at"])
    return token
