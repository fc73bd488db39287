"""The miner: share intake API, share store, peer channel and the MPC tasks."""
