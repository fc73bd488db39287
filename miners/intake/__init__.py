"""Share intake (docs/api.md section 2): the browser posts this miner's share of every field; the miner
checks the access token with the portal, stores the shares and answers a signed receipt."""
