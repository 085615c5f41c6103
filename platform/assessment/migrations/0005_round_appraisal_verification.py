# Issue 14: how appraisal respondents prove to be the member, per round. Rounds opened before keep the old way
# (name and identity number); new rounds default to a one-time code by SMS.

from django.db import migrations, models

CHOICES = [('sms', '姓名、身份证号码和短信验证码'), ('identity', '姓名和身份证号码')]


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0004_vocabulary'),
    ]

    operations = [
        migrations.AddField(
            model_name='round',
            name='appraisal_verification',
            field=models.CharField(choices=CHOICES, default='identity', max_length=20, verbose_name='会员评家身份核验方式'),
        ),
        migrations.AlterField(
            model_name='round',
            name='appraisal_verification',
            field=models.CharField(choices=CHOICES, default='sms', max_length=20, verbose_name='会员评家身份核验方式'),
        ),
    ]
