"""Structured text written by a municipality (legal pages, service texts) as Markdown, rendered to safe HTML.

Markdown gives headings, lists, emphasis and links without anyone writing HTML; raw HTML in the source is
escaped, and the result passes an allow-list sanitiser (nh3) as a second line of defence. Headings are
shifted down so that a page's own ``<h1>`` stays the only one (WCAG 1.3.1).
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

# Stored text never holds these (rathaus.core.text refuses them at the edge); a renderer must not fail on them.
_UNRENDERABLE = re.compile("[\x00\ud800-\udfff]")

_TAGS = {"h2", "h3", "h4", "h5", "h6", "p", "br", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_SCHEMES = {"https", "http", "mailto", "tel"}
# The page's class names for what Markdown produces (KERN UX typography).
_CLASSES = {
    "<h2>": '<h2 class="kern-heading-medium">',
    "<h3>": '<h3 class="kern-heading-small">',
    "<p>": '<p class="kern-body">',
    "<ul>": '<ul class="kern-list kern-list--bullet">',
    "<ol>": '<ol class="kern-list kern-list--number">',
    "<a ": '<a class="kern-link" ',
}

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _shift_headings(tokens: list, top: int) -> None:  # type: ignore[type-arg]
    """The first heading level used becomes ``top``; deeper ones follow, never above h6."""
    levels = [int(t.tag[1]) for t in tokens if t.type in ("heading_open", "heading_close")]
    if not levels:
        return
    shift = top - min(levels)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, max(top, int(token.tag[1]) + shift))}"


def render_markdown(source: str, *, top_heading: int = 2) -> str:
    """Safe HTML for ``source``. Empty for empty input. Never raises on any string."""
    if not source or not source.strip():
        return ""
    tokens = _parser.parse(_UNRENDERABLE.sub("\ufffd", source))
    _shift_headings(tokens, top_heading)
    html = _parser.renderer.render(tokens, _parser.options, {})
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    for plain, styled in _CLASSES.items():
        clean = clean.replace(plain, styled)
    return clean
