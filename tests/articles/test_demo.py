from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.demo.generator import build_catalogue
from articles.models import Article, Interaction, Topic

User = get_user_model()


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def state():
    return (
        sorted(Article.objects.values_list("external_id", "title", "summary", "published_at")),
        sorted(Topic.objects.values_list("name", "description")),
        sorted(User.objects.values_list("username", "password", "is_staff")),
        sorted(
            Interaction.objects.values_list(
                "user__username", "article__external_id", "event", "created_at", "import_key"
            )
        ),
    )


@pytest.mark.django_db
def test_demo_looks_like_a_real_site():
    # given
    now = timezone.now()

    # when
    out = load_demo()

    # then: the catalogue
    articles = Article.objects.filter(external_id__startswith="demo:")
    assert articles.count() == 384
    assert articles.filter(status=Article.Status.PUBLISHED).count() == 384
    assert not articles.filter(published_at__lt=now - timedelta(days=90)).exists()
    assert not articles.filter(summary="").exists()
    assert all(article.body.count("\n\n") == 3 for article in articles)
    topics = Topic.objects.exclude(description="")
    assert topics.count() == 12
    assert all(topic.articles.count() >= 25 for topic in topics)
    # and the behaviour
    interactions = Interaction.objects.all()
    assert interactions.count() == 7906
    assert not interactions.filter(created_at__lt=now - timedelta(days=60)).exists()
    assert User.objects.filter(interactions__isnull=False).distinct().count() == 181
    events = Counter(interactions.values_list("event", flat=True))
    assert set(events) == {"view", "read", "like", "bookmark", "share", "dislike"}
    assert events["view"] > events["read"] > events["like"] > events["share"]
    per_article = sorted(Counter(interactions.values_list("article", flat=True)).values())
    top_tenth = sum(per_article[-len(per_article) // 10 :])
    assert top_tenth > 0.4 * sum(per_article)  # a few articles get much of the attention
    # and the two logins
    editor, reader = User.objects.get(username="editor"), User.objects.get(username="reader")
    assert editor.is_staff and editor.groups.filter(name="Editors").exists()
    assert editor.check_password(settings.RECSITE_DEMO_PASSWORD)
    assert not reader.is_staff and reader.check_password(settings.RECSITE_DEMO_PASSWORD)
    assert reader.interactions.count() == 79
    assert out.endswith("Demo loaded. Logins: python manage.py demo_accounts\n")


@pytest.mark.django_db
def test_the_logins_are_printed_with_the_address_the_site_is_served_at():
    # given the demo loaded
    load_demo()

    # when its logins are asked for, as make demo does just before serving on port 8100
    out = StringIO()
    call_command("demo_accounts", url="http://127.0.0.1:8100/", stdout=out)

    # then both are printed, with that address
    password = settings.RECSITE_DEMO_PASSWORD
    assert out.getvalue() == (
        "Demo ready at http://127.0.0.1:8100/\n"
        f"  reader: username 'reader', password '{password}' (a reader with history)\n"
        f"  editor: username 'editor', password '{password}' "
        "(Editors group; admin at http://127.0.0.1:8100/admin/)\n"
    )


@pytest.mark.django_db
def test_no_logins_are_printed_before_the_demo_is_loaded():
    with pytest.raises(CommandError, match="run `manage.py load_demo` first"):
        call_command("demo_accounts", stdout=StringIO())


def test_readers_have_distinct_mixtures_of_interests():
    # when
    readers = build_catalogue().readers

    # then
    assert len(readers) == 181
    assert len({reader.interests for reader in readers}) == 181
    assert Counter(len(reader.interests) for reader in readers).keys() == {1, 2, 3}
    assert all(abs(sum(w for _, w in reader.interests) - 1) < 1e-9 for reader in readers)


@pytest.mark.django_db
def test_running_it_again_changes_nothing():
    # given
    load_demo()
    first = state()

    # when
    out = load_demo()

    # then
    assert state() == first
    assert "demo articles: 384 rows read, 0 created, 0 updated, 384 already present" in out
    assert "demo interactions: 7,906 rows read, 0 created, 0 updated, 7,906 already present" in out


@pytest.mark.django_db
def test_the_catalogue_is_the_same_on_every_run():
    # when
    load_demo()
    first, second = build_catalogue(), build_catalogue()

    # then
    assert first == second
    titles = dict(Article.objects.values_list("external_id", "title"))
    assert titles == {f"demo:{article.number}": article.title for article in first.articles}
    assert len(set(titles.values())) == len(titles)
