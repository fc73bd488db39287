"""Pages that read several of the portal's apps, so they live above them: the home page of each role
and the period's admin with its status page (who submitted, never what; the miners' health)."""
