"""A record of every stored object (public schema): what is under a key, how big, and its checksum."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    # The deterministic object key (files.keys); a retried upload updates its row instead of adding one.
    key = models.CharField(_("存储键"), max_length=512, unique=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=120)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("已存文件")
        verbose_name_plural = _("已存文件")

    def __str__(self) -> str:
        return self.key
