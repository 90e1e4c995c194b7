"""Catalog texts in the page's language with German fallback (see ``rathaus.catalog.models.localized``).

    {% load catalog_text %}
    {% with name=service|localized:"name" %}<h1{{ name|lang_attr }}>{{ name }}</h1>{% endwith %}

``lang_attr`` gives ` lang="de"` when the text is the German original shown on a page in another language
(WCAG 3.1.2), and nothing otherwise.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from rathaus.catalog.models import localized as _localized

register = template.Library()


@register.filter
def localized(obj: Any, field: str) -> Any:
    return _localized(obj, field)


@register.filter
def lang_attr(text: Any) -> SafeString:
    lang = getattr(text, "lang", "")
    if isinstance(text, list):
        lang = next((getattr(t, "lang", "") for t in text), "")
    return format_html(' lang="{}"', lang) if lang else mark_safe("")


@register.filter
def with_lang(text: Any) -> SafeString:
    """The text, escaped, in a ``<span lang="de">`` when it is the German fallback (for use inside a sentence)."""
    lang = getattr(text, "lang", "")
    return format_html('<span lang="{}">{}</span>', lang, text) if lang else format_html("{}", text)
