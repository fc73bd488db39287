"""The miner's doctor: what is wrong with this miner's set-up, one line each, and what to do about it.

`manage.py doctor` prints it, `GET /api/doctor` (the portal's credentials) answers it as JSON and the portal's
miner-status page shows its summary. Each check is bounded in time; the ones that wait on the network run in
parallel (report.run_all). No line ever holds a secret's value: settings are named, never quoted."""
