from articles.importers.command import ImportCommand
from articles.importers.interactions import import_interactions_file


class Command(ImportCommand):
    help = (
        "Import behaviour from a CSV with columns user_id,article_id[,event,value,timestamp]. "
        "Users are created on demand (an existing username receives the rows); articles must "
        "exist. Re-importing adds nothing: identical rows count once."
    )
    importer = staticmethod(import_interactions_file)
