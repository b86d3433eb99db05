"""Walking every reader page in Simplified Chinese and finding the English left in it: shared by
the test-client walk (test_site_zh.py) and the browser walk (test_browser_zh.py).

Content comes from the Chinese demo catalogue (``load_demo --language zh-hans``), so any English
word on a page is interface text that escaped translation. The allow-list holds only names.
"""

import re
from html.parser import HTMLParser

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from articles.demo.loader import EDITORS_GROUP
from articles.models import Article, Interaction, Topic
from tests.factories import InteractionFactory, UserFactory

# Names, not words to translate: the brand, a language named in itself (the switcher), and
# the acronyms Chinese writes as they are.
ALLOWED = {"recsite", "English", "API", "JSON"}
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
# Inline elements: their text runs on with the text around them ("rec<span>site</span>").
INLINE = {"span", "strong", "em", "b", "i", "time", "abbr", "small", "code"}
SPOKEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
READER_NAME = "读者"


def zh_catalogue() -> None:
    # The demo's editor joins the Editors group, which a data migration creates and an earlier
    # transactional test's flush may have removed (its permissions do not matter to the walk).
    Group.objects.get_or_create(name=EDITORS_GROUP)
    call_command("load_demo", language="zh-hans", stdout=open("/dev/null", "w"))  # noqa: SIM115


def zh_reader():
    """A reader with a Chinese name and some history in the Chinese catalogue."""
    reader = UserFactory(username=READER_NAME)
    for article in Article.objects.filter(external_id__startswith="demo-zh-hans:")[:4]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)
    return reader


def reader_pages(*, signed_in: bool, user=None) -> list[str]:
    """Every page of the reader site (the 404 page too) as a path."""
    article = Article.objects.filter(external_id__startswith="demo-zh-hans:").first()
    topic = Topic.objects.filter(articles=article).first()
    pages = [
        reverse("home"),
        reverse("latest"),
        reverse("trending"),
        reverse("topic_list"),
        reverse("topic_detail", args=[topic.slug]),
        article.get_absolute_url(),
        f"{reverse('search')}?q=机器学习",
        f"{reverse('search')}?q=没有这个词",
        "/no-such-page/",
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_complete"),
        reverse("password_reset_confirm", args=["AA", "bad-token"]),
    ]
    if signed_in:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        pages += [
            reverse("me"),
            reverse("me_delete"),
            reverse("password_change"),
            reverse("password_reset_confirm", args=[uid, token]),
        ]
    else:
        pages += [reverse("login"), reverse("signup"), reverse("me")]  # "me" shows the login
    return pages


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        if tag not in INLINE:
            self.parts.append(" ")
        values = dict(attrs)
        self.parts.extend(f" {values[name]} " for name in SPOKEN_ATTRIBUTES if values.get(name))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(f" {values['value']} ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1
        if tag not in INLINE:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def english_words(text: str) -> set[str]:
    return {word for word in ENGLISH_WORD.findall(text) if word not in ALLOWED}
