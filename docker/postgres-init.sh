#!/bin/sh
# Runs once, on an empty data directory: one role and one database per party.
# No party's role can connect to another party's database.
set -eu

for party in portal miner0 miner1 miner2; do
  password_var="$(echo "$party" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  eval "password=\${$password_var:?$password_var is not set}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v party="$party" -v password="$password" <<'SQL'
CREATE ROLE :"party" LOGIN PASSWORD :'password';
CREATE DATABASE :"party" OWNER :"party";
REVOKE ALL ON DATABASE :"party" FROM PUBLIC;
SQL
done
