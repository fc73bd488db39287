"""The portal's apps (DEPLOYMENT_MODE=portal): members and roles, periods, submissions, runs, reports,
the pages that read several of them, and the portal's side of the miner link (`minerlink`)."""
