"""Chinese search on PostgreSQL (articles.search_cjk): the pg_trgm extension and trigram GIN
indexes on the title, summary and body, so substring tests are index scans. Nothing on other
databases (SQLite scans, which suits the embedded default)."""

from django.db import migrations

FIELDS = ("title", "summary", "body")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for field in FIELDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS articles_article_{field}_trgm "
            f"ON articles_article USING gin ({field} gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS articles_article_{field}_trgm")


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_search_index_postgres")]

    operations = [migrations.RunPython(forwards, backwards)]
