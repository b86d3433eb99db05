"""The GIN index behind ranked full-text search (articles/search.py), on PostgreSQL only: SQLite
has no such index, and its search (words matched by LIKE) does not need one. The index is
built from the very expression the search filters on, so PostgreSQL uses it. It lives outside
the models' state on purpose: declaring it in Article.Meta would create it on SQLite too."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from articles.search import search_vector

INDEX_NAME = "article_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    article = apps.get_model("articles", "Article")
    schema_editor.add_index(article, GinIndex(search_vector(), name=INDEX_NAME))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    article = apps.get_model("articles", "Article")
    schema_editor.remove_index(article, GinIndex(search_vector(), name=INDEX_NAME))


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_topic_follow")]

    operations = [migrations.RunPython(create_index, drop_index)]
