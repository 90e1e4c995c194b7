"""Whatever is typed into the account forms (any Unicode, control characters, lone surrogates, very long
text), the form answers with field errors or valid data that can be hashed and stored — never an exception;
and over HTTP never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.identity.account_forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    EmailForm,
    NewPasswordForm,
)
from rathaus.identity.models import User
from rathaus.identity.tests.factories import CitizenFactory, login_citizen

# Any code point; and text made of the troublemakers (lone surrogates, NUL, control characters), long enough to
# pass the password rules, which a JSON body or a broken client can send.
ANY_TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=300),
    st.text(st.sampled_from(["\ud800", "\udfff", "\x00", "\x1f", "x", "Ä", " "]), min_size=10, max_size=40),
)
FORMS = (EmailForm, NewPasswordForm, ChangePasswordForm, ChangeEmailForm, DeleteAccountForm)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form_class=st.sampled_from(FORMS), value=ANY_TEXT, domain=st.sampled_from(["", "@example.org"]))
def test_any_input_gives_errors_or_storable_data(form_class: Any, value: str, domain: str) -> None:
    user = User(pk=1, email="erika@example.org", first_name="Erika", last_name="Muster")
    user.set_password("Test-Passwort-2026!")
    kwargs = {} if form_class is EmailForm else {"user": user}
    fields = list(form_class(**kwargs).fields)
    data = {name: value + (domain if "email" in name else "") for name in fields}
    form = form_class(data, **kwargs)
    form.is_valid()
    assert set(form.errors) <= {*fields, "__all__"}
    # Every value that passed its field is storable in PostgreSQL and can be hashed (UTF-8, no NUL).
    for name, cleaned in form.cleaned_data.items():
        if isinstance(cleaned, str):
            cleaned.encode("utf-8")
            assert "\x00" not in cleaned, name


PAGES = ("/konto/passwort/", "/konto/e-mail/", "/konto/loeschen/", "/konto/sitzungen/")


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PAGES), value=st.text(max_size=200))
def test_account_pages_never_answer_with_a_server_error(tenant: Any, path: str, value: str) -> None:
    user = User.objects.filter(tenant=tenant, email="prop@example.org").first() or CitizenFactory(
        tenant=tenant, email="prop@example.org"
    )
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(client, user)
    body = {"current_password": value, "password": value, "password_repeat": value, "new_email": value}
    response = client.post(path, body)
    assert response.status_code < 500
    anonymous = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    assert anonymous.post("/konto/passwort-vergessen/", {"email": value}).status_code < 500
