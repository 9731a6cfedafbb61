"""cfn-lint on the synthesised template: clean except W3005 (the redundant DependsOn CDK emits)."""

from __future__ import annotations

import pytest

from tests.infra.conftest import cfn_lint_findings

pytestmark = pytest.mark.infra


def test_template_is_cfn_lint_clean(synthesis, tmp_path):
    assert cfn_lint_findings(synthesis.raw, tmp_path) == []
