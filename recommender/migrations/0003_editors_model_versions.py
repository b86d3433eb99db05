"""Editors manage models in the admin (DESIGN: "articles, topics and models"): they may see
model versions and run the retrain / activate / roll back actions (the "change" permission)."""

from django.db import migrations

from ._editors import editors_permissions

PERMISSIONS = ["view_modelversion", "change_modelversion"]


class Migration(migrations.Migration):
    dependencies = [
        ("recommender", "0002_beat_schedules"),
        ("articles", "0002_editors_group"),
    ]

    operations = [editors_permissions(PERMISSIONS)]
