"""Editors pin and boost articles and topics from the admin: they may add, change, delete and
view editorial boosts."""

from django.db import migrations

from ._editors import editors_permissions

PERMISSIONS = [
    "add_editorialboost",
    "change_editorialboost",
    "delete_editorialboost",
    "view_editorialboost",
]


class Migration(migrations.Migration):
    dependencies = [("recommender", "0005_editors_explanations")]

    operations = [editors_permissions(PERMISSIONS)]
