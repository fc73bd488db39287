"""The run request (`POST {miner}/api/runs`) and the miners' answers about a run: shape and limits.

docs/api.md section 4 writes out the bodies; these are the names and bounds both sides check them by.
"""

RINGS = (32, 64)  # bits of the ring Z_2^k
ANALYSIS_KINDS = ("sorted_indicator", "ratio", "time_series")
RUN_STATES = ("queued", "running", "done", "failed")  # a miner's report of its part of a run
MAX_ANALYSES = 200  # a period has 7 indicators: 7 sorted + 1 ratio + 7 time series
MAX_SERIES_PERIODS = 3  # a time series covers the key period and the two before it
MAX_COLUMNS = 100_000  # companies in one run: far above any consortium, far below a miner's memory
MAX_STEP_LENGTH, MAX_ERROR_LENGTH = 200, 300  # characters of a progress push's text fields
