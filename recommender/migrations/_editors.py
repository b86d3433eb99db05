"""Granting the Editors group permissions on recommender models, shared by data migrations.

The leading underscore keeps Django's migration loader from taking this module for a migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def editors_permissions(codenames: list[str]) -> migrations.RunPython:
    """A reversible operation that gives the Editors group these recommender permissions."""

    def permissions(apps):
        return apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="recommender", codename__in=codenames
        )

    def grant(apps, schema_editor):
        # Permissions are normally created after all migrations ran; create them now.
        app_config = apps.get_app_config("recommender")
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
        group, _ = apps.get_model("auth", "Group").objects.get_or_create(name="Editors")
        group.permissions.add(*permissions(apps))

    def revoke(apps, schema_editor):
        group = apps.get_model("auth", "Group").objects.filter(name="Editors").first()
        if group is not None:
            group.permissions.remove(*permissions(apps))

    return migrations.RunPython(grant, revoke)
