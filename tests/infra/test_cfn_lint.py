"""cfn-lint on the synthesised template: clean except W3005 (the redundant DependsOn CDK emits)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.infra

IGNORED_RULES = {"W3005"}


def test_template_is_cfn_lint_clean(synthesis, tmp_path):
    template = tmp_path / "MpesaGateway.template.json"
    template.write_text(json.dumps(synthesis.raw))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--format", "json", str(template)], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip(), result.stderr
    findings = [
        f"{match['Rule']['Id']} {match['Message']}"
        for match in json.loads(result.stdout)
        if match["Rule"]["Id"] not in IGNORED_RULES
    ]
    assert findings == []
