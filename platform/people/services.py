"""Key rotation for everything encrypted at rest, in every schema: identity numbers (every model with the
`people.models.SealedIdentity` fields) and other secrets (every model naming its encrypted columns in
`encrypted_secrets`, e.g. reporting's webhook signing keys).

Models are discovered, not listed here, so a new app that stores a number or a secret the same way is covered:
tenant apps' tables in each union's schema, shared apps' tables in the public schema.
"""

from __future__ import annotations

import logging

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from unionhub.secrets import secret_reencrypt

from .models import SealedIdentity

logger = logging.getLogger("people")


class UndecryptableIdentity(Exception):
    """A stored value no configured key can decrypt (a key was dropped before rotation finished)."""


def encrypted_columns(model) -> tuple[str, ...]:
    """The columns of `model` encrypted with the key ring."""
    columns = ("id_number_encrypted",) if issubclass(model, SealedIdentity) else ()
    return columns + tuple(getattr(model, "encrypted_secrets", ()))


def encrypted_models() -> tuple[list, list]:
    """(tenant models, public models) with encrypted columns."""
    tenant_apps = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    tenant, public = [], []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or not encrypted_columns(model):
            continue
        (tenant if model._meta.app_config.name in tenant_apps else public).append(model)
    return tenant, public


def table_reencrypt(model, *, batch_size: int = 2000) -> int:
    """Re-encrypt `model`'s encrypted columns in the current schema under the first key, a committed batch at a
    time (old keys still decrypt the rest, so an interrupted run can simply be started again). Returns the number
    of values re-encrypted (empty values are left alone)."""
    columns = encrypted_columns(model)
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                model.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update()
                .only("pk", *columns)[:batch_size]
            )
            if not batch:
                return done
            for row in batch:
                for column in columns:
                    token = getattr(row, column)
                    if not token:
                        continue
                    try:
                        setattr(row, column, secret_reencrypt(token))
                    except InvalidToken:
                        # Names the row, never the data; nothing of this batch is written.
                        raise UndecryptableIdentity(
                            f"{model._meta.label} pk={row.pk} {column}: no configured key decrypts it"
                        ) from None
                    done += 1
            model.objects.bulk_update(batch, list(columns))
        last_pk = batch[-1].pk


def secrets_reencrypt_union(union, *, batch_size: int = 2000) -> dict[str, int]:
    """Every tenant table of one union. Returns {model label: values}."""
    tenant_models, _public = encrypted_models()
    with schema_context(union.schema_name):
        return {m._meta.label: table_reencrypt(m, batch_size=batch_size) for m in tenant_models}


def secrets_reencrypt_public(*, batch_size: int = 2000) -> dict[str, int]:
    """Every shared table (transfer requests, report recipients' webhook keys). Returns {model label: values}."""
    _tenant, public_models = encrypted_models()
    with schema_context(get_public_schema_name()):
        return {m._meta.label: table_reencrypt(m, batch_size=batch_size) for m in public_models}
