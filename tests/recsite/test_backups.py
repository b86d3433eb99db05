"""The backup drill: back up, drop everything, restore; the rows, the active model and its
artifacts come back (manage.py backup / restore)."""

import shutil

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from recommender.cache import lists
from recommender.models import Explanation, ModelVersion
from recommender.ranking.serving import recommendations_for_user
from recommender.runtime.artifacts import artifact_directory
from recommender.runtime.mf import loaded_mf
from recsite.backups import active_versions, row_counts
from tests.factories import SearchQueryFactory


def _group_permissions() -> dict[str, set[str]]:
    # Permissions are recreated by flush with new ids: groups must still name the same ones.
    return {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }


# Outside a test transaction: PostgreSQL refuses to TRUNCATE (flush) inside one that has pending
# constraint checks.
@pytest.mark.django_db(transaction=True)
def test_backup_drop_restore_gives_back_the_rows_and_the_active_model(
    mf_version, clusters, tmp_path, settings
):
    # given: a platform with behaviour, an explanation and an active model on disk
    reader = clusters.readers[0]
    SearchQueryFactory(user=reader, text="black holes")
    Explanation.objects.create(user=reader, article=clusters.a[-1], style="new", text="New")
    before = recommendations_for_user(user=reader, n=5)
    counts, active, groups = row_counts(), active_versions(), _group_permissions()
    backup_dir = tmp_path / "backup"

    # when: backed up, then the database flushed and the artifacts lost, then restored
    call_command("backup", output=backup_dir, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.RECSITE_ARTIFACT_DIR)
    assert ModelVersion.objects.count() == 0
    call_command("restore", backup_dir, yes=True, verbosity=0)

    # then: the same rows, the same active version, its artifacts loading, the same list
    assert row_counts() == counts
    assert (counts["auth.User"], counts["articles.Interaction"]) == (30, 240)
    assert active_versions() == active == {"mf": mf_version.pk}
    assert artifact_directory(mf_version.artifact_path).is_dir()
    assert loaded_mf(version=lists.active_version(kind="mf")).version_id == mf_version.pk
    after = recommendations_for_user(user=reader, n=5)
    assert [item.article["id"] for item in after.items] == [
        item.article["id"] for item in before.items
    ]
    assert _group_permissions() == groups


def test_restore_refuses_a_directory_without_a_backup(db, tmp_path, reader):
    # when
    with pytest.raises(CommandError, match="holds no backup"):
        call_command("restore", tmp_path, yes=True, verbosity=0)

    # then: nothing changed
    assert row_counts()["auth.User"] == 1


def test_backup_refuses_to_overwrite_a_backup(db, tmp_path):
    # given
    call_command("backup", output=tmp_path, verbosity=0)

    # when / then
    with pytest.raises(FileExistsError):
        call_command("backup", output=tmp_path, verbosity=0)
