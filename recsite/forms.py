"""Forms of the reader site. They validate only; the views hand clean data to services."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from articles.validation import NoControlCharactersValidator


class SignUpForm(UserCreationForm):
    """Username, optional email, password twice; AUTH_PASSWORD_VALIDATORS apply (via the parent),
    including the check that the password does not resemble the username or email."""

    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Optional. Only used if you ask us to contact you."),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class AccountDeleteForm(forms.Form):
    """Asks for the current password, so that a forgotten open session cannot delete an account."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="password_incorrect")
        return password


class InterestHideForm(forms.Form):
    """One topic (by slug) or one phrase, as the buttons of the "me" page send them."""

    topic = forms.SlugField(required=False)
    phrase = forms.CharField(
        required=False, max_length=200, validators=[NoControlCharactersValidator()]
    )

    def clean(self):
        cleaned = super().clean() or {}
        if bool(cleaned.get("topic")) == bool(cleaned.get("phrase")):
            raise forms.ValidationError(_("Name one topic or one phrase."), code="one_of")
        return cleaned


class AskForm(forms.Form):
    """A request in words ("Ask for something to read"), answered by the request path of
    POST /api/recommend/."""

    q = forms.CharField(
        label=_("Ask for something to read"),
        required=False,
        max_length=2000,
        validators=[NoControlCharactersValidator()],
        widget=forms.TextInput(attrs={"placeholder": _("e.g. space telescopes and exoplanets")}),
    )
