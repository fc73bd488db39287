"""Analysis runs at a miner (docs/api.md section 4): the API the portal calls, the Celery task, and the
computation of a run request with mpc_engine."""
