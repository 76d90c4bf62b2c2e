# SPDX-License-Identifier: BSD-2-Clause
# Guest programs (placeholder; the guests engineer owns this file).
guests-build:
.PHONY: guests-build
