#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth|deploy` (or `python app.py`) builds the gateway stack from infra/."""

import os

from infra.application import DEFAULT_OUTDIR, build_app, project_context


def main() -> None:
    # The CDK CLI passes cdk.json's context and the output directory (CDK_OUTDIR); run directly
    # (`python app.py`, `make synth`), the app reads them itself so both give the same assembly.
    standalone = "CDK_OUTDIR" not in os.environ
    app, _ = build_app(
        context=project_context() if standalone else None,
        outdir=str(DEFAULT_OUTDIR) if standalone else None,
    )
    app.synth()


if __name__ == "__main__":
    main()
