"""``{{ text|markdown }}``: a municipality's Markdown as safe HTML (see rathaus.core.markdown)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from rathaus.core.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(source: str | None, top_heading: int = 2) -> SafeString:
    return mark_safe(render_markdown(str(source or ""), top_heading=int(top_heading)))  # sanitised by nh3
