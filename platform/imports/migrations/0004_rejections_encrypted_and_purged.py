# Issue 14: rejected import rows no longer keep identity numbers in clear, and no error file is stored.

import logging

from django.db import migrations, models

logger = logging.getLogger("unionhub.imports")


def protect_existing(apps, schema_editor):
    """Mask and encrypt the identity numbers of rejections written before, and delete the stored error files
    (they held the numbers in clear; the file is now built per download)."""
    from imports.rejections import rejection_new

    ImportJob = apps.get_model("imports", "ImportJob")
    ImportRejection = apps.get_model("imports", "ImportRejection")
    rows = ImportRejection.objects.filter(id_number_encrypted="").order_by("pk")
    for rejection in rows.iterator(2000):
        protected = rejection_new(
            job_id=rejection.job_id, row_number=rejection.row_number, cells=rejection.values, reason=rejection.reason
        )
        if protected.id_number_encrypted:
            ImportRejection.objects.filter(pk=rejection.pk).update(
                values=protected.values, id_number_encrypted=protected.id_number_encrypted, reason=protected.reason
            )
    keys = list(ImportJob.objects.exclude(error_file_key="").values_list("error_file_key", flat=True))
    if keys:
        from files.storage import file_storage

        storage = file_storage()
        for key in keys:
            try:
                storage.delete(key)
            except Exception:  # an unreachable store must not block the migration; the key is logged, not data
                logger.warning("could not delete old import error file %s", key)


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0003_vocabulary'),
    ]

    operations = [
        migrations.AddField(
            model_name='importjob',
            name='rejections_purged_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='错误行清除时间'),
        ),
        migrations.AddField(
            model_name='importrejection',
            name='id_number_encrypted',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.RunPython(protect_existing, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='importjob',
            name='error_file_key',
        ),
    ]
