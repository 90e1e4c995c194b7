"""Template tags of the form engine.

    {% load formengine %}
    {% form_error_summary definition errors %}
    <form method="post" enctype="multipart/form-data" novalidate>{% csrf_token %}
      {% render_step definition step answers errors %}
      <button type="submit" name="_next" class="kern-btn kern-btn--primary">…</button>
    </form>

``step`` is a step id or a Step; ``answers`` are all answers so far, with the current step replaced by
``StepResult.display`` after a failed post, so the citizen's input is shown again as typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from ..definition import FormDefinition, Step
from ..rendering import error_links, follow_ups, step_view

register = template.Library()


@register.simple_tag
def render_step(
    definition: FormDefinition,
    step: str | Step,
    answers: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    today: date | None = None,
    visible: Mapping[str, Any] | None = None,
) -> SafeString:
    """The groups and fields of one step as KERN UX markup (without <form> and submit button).

    ``visible``: the cleaned answers that decide which follow-up questions apply (default: ``answers``). Each
    rendered follow-up is listed in a hidden ``_shown`` input, so the next post knows what the citizen saw."""
    step_id = step.id if isinstance(step, Step) else str(step)
    groups = step_view(definition, step_id, answers or {}, errors or {}, today or timezone.localdate(), visible=visible)
    has_repeat = any(g.repeat for g in groups)
    context = {"groups": groups, "has_repeat": has_repeat, "shown": sorted(follow_ups(groups))}
    return render_to_string("formengine/step.html", context)


@register.simple_tag
def form_error_summary(definition: FormDefinition, errors: Mapping[str, list[str]] | None = None) -> SafeString:
    """The error summary for the top of the page: every message with a link to its field."""
    if not errors:
        return SafeString("")
    return render_to_string("formengine/error_summary.html", {"links": error_links(definition, errors)})
