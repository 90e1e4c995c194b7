"""A role list that names no role is a programming error with a plain message."""

from __future__ import annotations

import pytest

from rathaus.identity import permissions


def test_an_empty_role_list_names_the_problem() -> None:
    with pytest.raises(ValueError, match=r"^name at least one role$"):
        permissions.known_roles()
