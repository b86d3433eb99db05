"""Model and field labels through gettext (a zh-hans translation): labels only, no schema
change."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recsite', '0002_model_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='idempotencykey',
            name='body',
            field=models.BinaryField(default=b'', verbose_name='body'),
        ),
        migrations.AlterField(
            model_name='idempotencykey',
            name='content_type',
            field=models.CharField(blank=True, max_length=255, verbose_name='content type'),
        ),
        migrations.AlterField(
            model_name='idempotencykey',
            name='created_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='idempotencykey',
            name='key',
            field=models.CharField(max_length=255, verbose_name='key'),
        ),
        migrations.AlterField(
            model_name='idempotencykey',
            name='request_hash',
            field=models.CharField(help_text='SHA-256 of the method, path and canonical body.', max_length=64, verbose_name='request hash'),
        ),
        migrations.AlterField(
            model_name='idempotencykey',
            name='status_code',
            field=models.PositiveSmallIntegerField(null=True, verbose_name='status code'),
        ),
        migrations.AlterField(
            model_name='idempotencykey',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='idempotency_keys', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
    ]
