"""Editors pin and boost articles and topics from the admin: they may add, change, delete and
view editorial boosts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "add_editorialboost",
    "change_editorialboost",
    "delete_editorialboost",
    "view_editorialboost",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now.
    app_config = apps.get_app_config("recommender")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="recommender", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="recommender", codename__in=PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("recommender", "0005_editors_explanations")]

    operations = [migrations.RunPython(grant, revoke)]
