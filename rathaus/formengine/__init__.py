"""Form engine: multi-step forms as data (close to FIM Datenfelder), validation, rendering, JSON Schema, fees.

A library without models: the applications module stores definitions and answers as JSON and calls these
functions. See docs/municipalities/forms.md for the definition format.
"""

from .conditions import ConditionSyntaxError, parse_condition
from .definition import (
    Choice,
    DefinitionError,
    Fee,
    Field,
    FieldEntry,
    FileSpec,
    FormDefinition,
    Group,
    Repeat,
    Rule,
    Step,
)
from .demo import demo_form_slugs, load_demo_form
from .fees import FeeLine, compute_fees, total
from .parsing import parse_definition
from .presentation import SummaryGroup, SummaryRow, SummaryStep, display_value, prefill, summary
from .schema import json_schema
from .validation import (
    FileRef,
    RepeatAction,
    StepResult,
    clean_all,
    kept_as_typed,
    move_files,
    typed_errors,
    validate_all,
    validate_step,
)

__all__ = [
    "Choice",
    "ConditionSyntaxError",
    "DefinitionError",
    "Fee",
    "FeeLine",
    "Field",
    "FieldEntry",
    "FileRef",
    "FileSpec",
    "FormDefinition",
    "Group",
    "Repeat",
    "RepeatAction",
    "Rule",
    "Step",
    "StepResult",
    "SummaryGroup",
    "SummaryRow",
    "SummaryStep",
    "clean_all",
    "compute_fees",
    "demo_form_slugs",
    "display_value",
    "json_schema",
    "kept_as_typed",
    "load_demo_form",
    "move_files",
    "parse_condition",
    "parse_definition",
    "prefill",
    "summary",
    "total",
    "typed_errors",
    "validate_all",
    "validate_step",
]
