"""Operating a deployment, in both modes: tools for the people who run a portal or a miner host
(no models, no URLs; the commands that use them live in consortium/management/commands/)."""
