"""Model and field labels through gettext (a zh-hans translation): labels only, no schema
change."""

import django.db.models.deletion
import django.utils.timezone
import recommender.models.outbox
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0010_translatable_labels'),
        ('recommender', '0011_followed_topic_style'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='experiment',
            options={'ordering': ['-created_at', '-id'], 'verbose_name': 'experiment', 'verbose_name_plural': 'experiments'},
        ),
        migrations.AlterModelOptions(
            name='experimentarm',
            options={'ordering': ['experiment', 'id'], 'verbose_name': 'experiment arm', 'verbose_name_plural': 'experiment arms'},
        ),
        migrations.AlterField(
            model_name='articleembedding',
            name='article',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='embedding', serialize=False, to='articles.article', verbose_name='article'),
        ),
        migrations.AlterField(
            model_name='articleembedding',
            name='dim',
            field=models.PositiveSmallIntegerField(verbose_name='dim'),
        ),
        migrations.AlterField(
            model_name='articleembedding',
            name='encoder',
            field=models.CharField(max_length=200, verbose_name='encoder'),
        ),
        migrations.AlterField(
            model_name='articleembedding',
            name='text_hash',
            field=models.CharField(max_length=64, verbose_name='text hash'),
        ),
        migrations.AlterField(
            model_name='articleembedding',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='articleembedding',
            name='vector',
            field=models.BinaryField(verbose_name='vector'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='article',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='boosts', to='articles.article', verbose_name='article'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='ends_at',
            field=models.DateTimeField(verbose_name='ends at'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='factor',
            field=models.FloatField(default=1.5, verbose_name='factor'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='kind',
            field=models.CharField(choices=[('pin', 'Pin to the top'), ('boost', 'Boost')], default='boost', max_length=5, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='note',
            field=models.CharField(blank=True, max_length=200, verbose_name='note'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='starts_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='starts at'),
        ),
        migrations.AlterField(
            model_name='editorialboost',
            name='topic',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='boosts', to='articles.topic', verbose_name='topic'),
        ),
        migrations.AlterField(
            model_name='evidencepenalty',
            name='key',
            field=models.CharField(max_length=120, verbose_name='key'),
        ),
        migrations.AlterField(
            model_name='evidencepenalty',
            name='penalty',
            field=models.FloatField(default=0.0, verbose_name='penalty'),
        ),
        migrations.AlterField(
            model_name='evidencepenalty',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='evidencepenalty',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence_penalties', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started at'),
        ),
        migrations.AlterField(
            model_name='experiment',
            name='stopped_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='stopped at'),
        ),
        migrations.AlterField(
            model_name='experimentarm',
            name='experiment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='arms', to='recommender.experiment', verbose_name='experiment'),
        ),
        migrations.AlterField(
            model_name='explanation',
            name='article',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='explanations', to='articles.article', verbose_name='article'),
        ),
        migrations.AlterField(
            model_name='explanation',
            name='created_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='explanation',
            name='evidence',
            field=models.JSONField(blank=True, default=dict, verbose_name='evidence'),
        ),
        migrations.AlterField(
            model_name='explanation',
            name='model_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='recommender.modelversion', verbose_name='model version'),
        ),
        migrations.AlterField(
            model_name='explanation',
            name='style',
            field=models.CharField(choices=[('because_you_read', 'Because you read'), ('similar_text', 'Similar to what you read'), ('topic_match', 'Topic match'), ('co_readers', 'Readers like you'), ('trending', 'Trending'), ('new', 'New'), ('editorial', "Editors' pick"), ('followed_topic', 'A topic you follow')], max_length=20, verbose_name='style'),
        ),
        migrations.AlterField(
            model_name='explanation',
            name='text',
            field=models.CharField(max_length=500, verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='explanation',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='explanations', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AlterField(
            model_name='explanationfeedback',
            name='comment',
            field=models.TextField(blank=True, max_length=2000, verbose_name='comment'),
        ),
        migrations.AlterField(
            model_name='explanationfeedback',
            name='created_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='explanationfeedback',
            name='explanation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='feedback', to='recommender.explanation', verbose_name='explanation'),
        ),
        migrations.AlterField(
            model_name='explanationfeedback',
            name='reason',
            field=models.CharField(blank=True, choices=[('helpful', 'Helpful'), ('wrong_reason', 'Wrong reason'), ('not_relevant', 'Not relevant'), ('already_read', 'Already read'), ('other', 'Other')], max_length=20, verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='explanationfeedback',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='explanationfeedback',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='explanation_feedback', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AlterField(
            model_name='explanationfeedback',
            name='vote',
            field=models.SmallIntegerField(choices=[(1, 'Thumbs up'), (-1, 'Thumbs down')], verbose_name='vote'),
        ),
        migrations.AlterField(
            model_name='hiddeninterest',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='hiddeninterest',
            name='kind',
            field=models.CharField(choices=[('topic', 'Topic'), ('phrase', 'Key phrase')], max_length=10, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='hiddeninterest',
            name='phrase',
            field=models.CharField(blank=True, max_length=200, verbose_name='phrase'),
        ),
        migrations.AlterField(
            model_name='hiddeninterest',
            name='topic',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='articles.topic', verbose_name='topic'),
        ),
        migrations.AlterField(
            model_name='hiddeninterest',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hidden_interests', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='activated_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='activated at'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='activation_note',
            field=models.TextField(blank=True, verbose_name='activation note'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='artifact_path',
            field=models.CharField(blank=True, max_length=500, verbose_name='artifact path'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='data_counts',
            field=models.JSONField(blank=True, default=dict, verbose_name='data counts'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='error',
            field=models.TextField(blank=True, verbose_name='error'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='kind',
            field=models.CharField(choices=[('mf', 'Matrix factorisation'), ('lm', 'Language model'), ('hybrid', 'Hybrid ranker'), ('encoder', 'Text encoder')], default='mf', max_length=10, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='metrics',
            field=models.JSONField(blank=True, default=dict, verbose_name='metrics'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='params',
            field=models.JSONField(blank=True, default=dict, verbose_name='params'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='previous_active',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='recommender.modelversion', verbose_name='previous active'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='status',
            field=models.CharField(choices=[('training', 'Training'), ('ready', 'Ready'), ('active', 'Active'), ('failed', 'Failed'), ('retired', 'Retired')], default='training', max_length=10, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='train_seconds',
            field=models.FloatField(blank=True, null=True, verbose_name='train seconds'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='args',
            field=models.JSONField(blank=True, default=list, verbose_name='args'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='attempts',
            field=models.PositiveIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='cache_keys',
            field=models.JSONField(blank=True, default=list, verbose_name='cache keys'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='kwargs',
            field=models.JSONField(blank=True, default=dict, verbose_name='kwargs'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='last_error',
            field=models.TextField(blank=True, verbose_name='last error'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='sent at'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='task',
            field=models.CharField(blank=True, help_text='Celery task name, if any.', max_length=200, verbose_name='task'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='task_id',
            field=models.CharField(default=recommender.models.outbox.new_task_id, max_length=36, unique=True, verbose_name='task id'),
        ),
        migrations.AlterField(
            model_name='personalisationsetting',
            name='enabled',
            field=models.BooleanField(default=True, verbose_name='enabled'),
        ),
        migrations.AlterField(
            model_name='personalisationsetting',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='updated at'),
        ),
        migrations.AlterField(
            model_name='personalisationsetting',
            name='user',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='personalisation', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='arm',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='impressions', to='recommender.experimentarm', verbose_name='arm'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='article',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='impressions', to='articles.article', verbose_name='article'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='clicked_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='clicked at'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='created_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='experiment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='impressions', to='recommender.experiment', verbose_name='experiment'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='explanation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='impressions', to='recommender.explanation', verbose_name='explanation'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='model_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='recommender.modelversion', verbose_name='model version'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='position',
            field=models.PositiveSmallIntegerField(verbose_name='position'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='surface',
            field=models.CharField(choices=[('home', 'Home page'), ('api', 'API')], max_length=10, verbose_name='surface'),
        ),
        migrations.AlterField(
            model_name='recommendationimpression',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='impressions', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
    ]
