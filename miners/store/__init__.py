"""The miner's own database: the shares it received (never changed once stored) and the runs it was
asked to compute."""
