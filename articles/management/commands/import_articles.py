from articles.importers.articles import import_articles_file
from articles.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import articles from a CSV with columns article_id,title[,summary,body,topics,"
        "published_at] (topics |-separated). Re-importing updates changed articles and adds "
        "nothing; new articles are published."
    )
    importer = staticmethod(import_articles_file)
