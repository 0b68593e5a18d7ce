#!/usr/bin/env bash
# The long differential campaign (issue 9 §2): generated specs, engine vs reference.
# Every disagreement is saved as difftest-out/disagree-SEED.hgm with both verdicts in its
# header; `hgm-difftest --minimize-seed SEED` delta-debugs one.
#
#   bash scripts/difftest.sh                      # 100000 specs from seed 1
#   bash scripts/difftest.sh --count 5000 --seed 7 --minimize
# Extra arguments are passed to hgm-difftest (see hgm-difftest --help).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product hgm-difftest
exec "$(swift build -c release --show-bin-path)/hgm-difftest" --count 100000 --seed 1 --save-dir difftest-out "$@"
