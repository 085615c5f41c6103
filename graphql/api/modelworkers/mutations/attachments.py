"""Attachments sent with nominations and revocation proposals (base64 in the input)."""

from __future__ import annotations

import graphene

from api.core.uploads import decoded_base64
from files.checks import max_upload_bytes
from modelworkers.awards.common import AttachmentSpec


class AttachmentInput(graphene.InputObjectType):
    """A PDF, Word (.docx), PNG or JPEG file, base64-encoded."""

    class Meta:
        name = "ModelWorkerAttachmentInput"

    attachment_name = graphene.String(required=True, description="File name with its extension.")
    attachment_base64 = graphene.String(required=True)
    attachment_label = graphene.String(description="What the file is, e.g. 职代会决议.")


def _attachments(items, field: str) -> list[AttachmentSpec]:
    limit = max_upload_bytes("modelworkers")
    specs = []
    for item in items or ():
        content = decoded_base64(item.get("attachment_base64") or "", limit, field=field)
        specs.append(
            AttachmentSpec(
                filename=item.get("attachment_name") or "",
                content=content,
                label=item.get("attachment_label") or "",
            )
        )
    return specs
