"""The whole system on one machine: a portal and three miners as separate OS processes on loopback.

Django-free, and importing neither the portal's nor the miners' code: it starts them with their
settings in the environment and talks to them as the internet would (HTTP, and `manage.py` for the
staff steps a person does on pages).

    processes  `Cluster`: the keys, secrets, ports and settings of the four parties; start, stop
    member     `Member`: a representative's browser over HTTP (log in, open the form, share, send)
"""
