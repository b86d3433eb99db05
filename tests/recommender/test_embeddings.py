"""Article embeddings: written once per text by workers and commands, read as numpy by serving."""

import json
from io import StringIO

import numpy as np
from django.core.management import call_command

from articles.models import Article
from articles.services import article_create, article_update
from recommender.models import ArticleEmbedding, ModelVersion
from recommender.runtime.artifacts import artifact_directory
from recommender.runtime.embeddings import embedding_index, vector_from_bytes
from recommender.training.embeddings import articles_embed


def test_embeddings_are_stored_normalised_with_the_text_hash(text_clusters):
    # given
    article = text_clusters.a[0]

    # when
    row = ArticleEmbedding.objects.get(article=article)

    # then
    vector = vector_from_bytes(row.vector)
    assert row.dim == 384
    assert vector.shape == (384,)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert len(row.text_hash) == 64
    assert row.encoder.startswith("all-MiniLM-L6-v2")
    assert ArticleEmbedding.objects.count() == 40


def test_an_unchanged_article_is_never_embedded_twice(text_clusters):
    # given
    before = dict(ArticleEmbedding.objects.values_list("article_id", "updated_at"))

    # when
    counts = articles_embed()

    # then
    assert counts == {"articles": 40, "embedded": 0, "unchanged": 40}
    assert dict(ArticleEmbedding.objects.values_list("article_id", "updated_at")) == before


def test_a_text_change_re_embeds_that_article_only(
    text_clusters, django_capture_on_commit_callbacks
):
    # given
    article, other = text_clusters.a[0], text_clusters.a[1]
    old_hash = ArticleEmbedding.objects.get(article=article).text_hash
    other_row = ArticleEmbedding.objects.get(article=other)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        article_update(article=article, summary="Microbes in the soil of a field.")

    # then
    assert ArticleEmbedding.objects.get(article=article).text_hash != old_hash
    assert ArticleEmbedding.objects.get(article=other).updated_at == other_row.updated_at
    index = embedding_index()
    _, vectors = index.vectors_of([article.pk])
    stored = vector_from_bytes(ArticleEmbedding.objects.get(article=article).vector)
    np.testing.assert_array_equal(vectors[0], stored)


def test_publishing_embeds_the_article_and_serving_sees_it_without_a_new_snapshot(
    text_clusters, django_capture_on_commit_callbacks
):
    # given
    snapshots = list(ModelVersion.objects.filter(kind="encoder").values_list("pk", flat=True))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        new = article_create(title="Moons of Jupiter", status=Article.Status.PUBLISHED)
    index = embedding_index()

    # then
    assert list(ModelVersion.objects.filter(kind="encoder").values_list("pk", flat=True)) == (
        snapshots
    )
    assert len(index) == 41
    assert new.pk in index.row_of


def test_a_draft_is_not_embedded(text_clusters, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        draft = article_create(title="Unfinished notes on comets")

    # then
    assert not ArticleEmbedding.objects.filter(article=draft).exists()


def test_the_snapshot_holds_every_embedding_memory_mapped(text_clusters):
    # given
    snapshot = ModelVersion.objects.get(kind="encoder", status="active")
    directory = artifact_directory(snapshot.artifact_path)

    # when
    ids = np.load(directory / "article_ids.npy", mmap_mode="r")
    vectors = np.load(directory / "embeddings.npy", mmap_mode="r")

    # then
    assert sorted(ids.tolist()) == sorted(a.pk for a in [*text_clusters.a, *text_clusters.b])
    assert vectors.shape == (40, 384)
    assert vectors.dtype == np.float32
    assert snapshot.data_counts == {"articles": 40}
    assert embedding_index().memory_mapped


def test_embed_articles_command_reports_what_it_did(text_clusters):
    # given
    Article.objects.filter(pk=text_clusters.b[0].pk).update(title="Seeds of flowering plants")
    out = StringIO()

    # when
    call_command("embed_articles", stdout=out, stderr=StringIO())

    # then
    assert "1 embedded, 39 unchanged of 40 published articles" in out.getvalue()
    assert ModelVersion.objects.filter(kind="encoder").count() == 2
    assert ModelVersion.objects.filter(kind="encoder", status="active").count() == 1


def test_mf_training_fits_the_text_adapter_and_reports_its_validation_loss(text_mf_version):
    # when
    metrics = text_mf_version.metrics

    # then
    assert 0 <= metrics["adapter_val_loss"] < metrics["adapter_val_baseline_loss"]
    assert metrics["adapter_val_cosine"] > 0.5
    assert metrics["adapter_items"] == 40
    assert (artifact_directory(text_mf_version.artifact_path) / "adapter_weights.npy").is_file()


def test_without_embeddings_mf_training_skips_the_adapter(mf_version):
    # then
    assert mf_version.status == "active"
    assert "adapter_val_loss" not in mf_version.metrics
    assert not (artifact_directory(mf_version.artifact_path) / "adapter.json").exists()


def test_evaluate_offline_content_and_adapter_embed_once_then_reuse_the_cache(
    tmp_path, settings, _encodings_reused, two_subject_csvs
):
    # given: two subjects of 6 articles; each reader reads 3 of their subject's, holds out a 4th
    settings.RECSITE_EMBEDDING_CACHE_DIR = tmp_path / "cache"
    titles = [
        *("Galaxies and telescopes", "Black holes in galaxies", "Stars and planets"),
        *("Telescopes on the Moon", "Planets around stars", "Dark matter in galaxies"),
        *("Genes in bacteria", "Proteins in cells", "DNA of yeast"),
        *("Bacteria and viruses", "Cells divide", "Genes and proteins"),
    ]
    articles, train, test = two_subject_csvs(titles, readers=8, reads=3)
    out = tmp_path / "out.json"
    arguments = [
        *(f"--articles={articles}", f"--train={train}", f"--test={test}", f"--json={out}"),
        *("--k", "3", "10"),
    ]

    # when
    first_log, second_log = StringIO(), StringIO()
    call_command(
        "evaluate_offline", *arguments, "--model=content", stdout=StringIO(), stderr=first_log
    )
    content = json.loads(out.read_text())
    call_command(
        "evaluate_offline",
        *arguments,
        "--model=adapter",
        "--factors=2",
        stdout=StringIO(),
        stderr=second_log,
    )
    adapter = json.loads(out.read_text())

    # then
    assert "12 of 12 texts encoded" in first_log.getvalue()
    assert "0 of 12 texts encoded" in second_log.getvalue()
    assert content["model"] == "content"
    assert content["users_evaluated"] == 8
    assert content["recall@3"] == 1.0  # the subject's 3 unread articles rank first
    assert adapter["model"] == "adapter"
