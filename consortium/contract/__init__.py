"""The contract between the portal and the miners, in one Django-free place (docs/api.md).

Everything both sides must agree on byte for byte lives here and is imported by both: the number of
miners, the signed messages and their digests (`messages`), the ShareArray encoding (`share_arrays`),
token hashing (`tokens`), Ed25519 key parsing and signature checks (`keys`), the `Authorization`
headers (`credentials`) and the run request's shape and limits (`run_request`). Nothing here imports
Django, the portal's apps or `miners`, so the two deployments can never drift apart.
"""

MINERS = 3  # the number of miners; indices are 0, 1, 2 everywhere in the contract
