"""Editors watch how explanations are received: they may view explanations, the feedback on
them, recommendation impressions (click-through), evidence penalties and hidden interests, and
open the dashboard (it needs "view explanation"). These rows are made by the site and readers,
so editors get no add/change/delete permission on them."""

from django.db import migrations

from ._editors import editors_permissions

PERMISSIONS = [
    "view_explanation",
    "view_explanationfeedback",
    "view_recommendationimpression",
    "view_evidencepenalty",
    "view_hiddeninterest",
]


class Migration(migrations.Migration):
    dependencies = [("recommender", "0004_content_and_explanations")]

    operations = [editors_permissions(PERMISSIONS)]
