#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth|deploy` (or `python app.py`) builds the gateway stack from infra/."""

from infra.application import build_app


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
