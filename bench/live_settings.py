"""Production settings for the live benchmarks, with BBB = the local stand-in.

Production refuses a non-HTTPS ``BBB_URL`` (a real server is required there);
the benchmarks run the stand-in on the loopback, so its URL is read from
``BENCH_STANDIN_URL`` after the production checks.
"""

import os

os.environ["BBB_URL"] = "https://bbb.bench.invalid/bigbluebutton/"

from lms.settings.production import *  # noqa: E402, F403

BBB_URL = os.environ["BENCH_STANDIN_URL"]
BBB_IS_SIMULATOR = True
