"""Outgoing text messages (短信) through a backend chosen by settings.UNIONHUB_SMS_BACKEND (a dotted class path).

A backend has one method, `send(phone, text)`. Shipped:
- `ConsoleSmsBackend` (development, the default): logs the message with the phone number masked;
- `LocmemSmsBackend` (tests): keeps messages in `outbox`, nothing leaves the process.
Production plugs in the SMS gateway of its carrier or cloud vendor with a class of the same shape
(docs/security.md): the console backend writes the text, one-time codes included, to the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("unionhub.sms")
DEFAULT_BACKEND = "unionhub.sms.ConsoleSmsBackend"


def mask_phone(phone: str) -> str:
    """ "13912345678" -> "139****5678" """
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "*" * len(phone)


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


class LocmemSmsBackend:
    outbox: list[SmsMessage] = []  # shared by all instances, like Django's locmem mail backend

    def send(self, phone: str, text: str) -> None:
        LocmemSmsBackend.outbox.append(SmsMessage(phone=phone, text=text))


def sms_send(phone: str, text: str) -> None:
    backend = import_string(getattr(settings, "UNIONHUB_SMS_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND)
    backend().send(phone, text)
