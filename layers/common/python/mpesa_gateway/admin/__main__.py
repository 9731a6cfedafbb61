"""`python -m mpesa_gateway.admin ...`."""

import sys

from mpesa_gateway.admin.cli import main

sys.exit(main())
