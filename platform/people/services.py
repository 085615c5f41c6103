"""Key rotation for identity numbers at rest: every table that keeps one (`id_number_encrypted`), in every schema.

Tables are found by the column name, so a new app that stores identity numbers the same way is covered without
being listed here: tenant apps' tables in each union's schema, shared apps' tables in the public schema.
"""

from __future__ import annotations

import logging

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from .identity import id_reencrypt

logger = logging.getLogger("people")

ENCRYPTED_FIELD = "id_number_encrypted"


class UndecryptableIdentity(Exception):
    """A stored identity number no configured key can decrypt (a key was dropped before rotation finished)."""


def encrypted_models() -> tuple[list, list]:
    """(tenant models, public models) with an encrypted identity number column."""
    tenant_apps = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    tenant, public = [], []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if not any(field.name == ENCRYPTED_FIELD for field in model._meta.concrete_fields):
            continue
        (tenant if model._meta.app_config.name in tenant_apps else public).append(model)
    return tenant, public


def table_reencrypt(model, *, batch_size: int = 2000) -> int:
    """Re-encrypt `model`'s identity numbers in the current schema under the first key, a committed batch at a
    time (old keys still decrypt the rest, so an interrupted run can simply be started again). Returns the count."""
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                model.objects.filter(pk__gt=last_pk)
                .exclude(**{ENCRYPTED_FIELD: ""})
                .order_by("pk")
                .select_for_update()
                .only("pk", ENCRYPTED_FIELD)[:batch_size]
            )
            if not batch:
                return done
            for row in batch:
                try:
                    setattr(row, ENCRYPTED_FIELD, id_reencrypt(getattr(row, ENCRYPTED_FIELD)))
                except InvalidToken:
                    # Names the row, never the data; nothing of this batch is written.
                    raise UndecryptableIdentity(
                        f"{model._meta.label} pk={row.pk}: no configured key decrypts it"
                    ) from None
            model.objects.bulk_update(batch, [ENCRYPTED_FIELD])
        done += len(batch)
        last_pk = batch[-1].pk


def identity_reencrypt_union(union, *, batch_size: int = 2000) -> dict[str, int]:
    """Every tenant table of one union. Returns {model label: rows}."""
    tenant_models, _public = encrypted_models()
    with schema_context(union.schema_name):
        return {m._meta.label: table_reencrypt(m, batch_size=batch_size) for m in tenant_models}


def identity_reencrypt_public(*, batch_size: int = 2000) -> dict[str, int]:
    """Every shared table (e.g. transfer requests). Returns {model label: rows}."""
    _tenant, public_models = encrypted_models()
    with schema_context(get_public_schema_name()):
        return {m._meta.label: table_reencrypt(m, batch_size=batch_size) for m in public_models}
