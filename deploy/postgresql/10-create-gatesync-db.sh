#!/bin/sh
# Runs once, when the postgres image initialises an empty data volume (docker-entrypoint-initdb.d).
# gatesync gets its own login role and database; Temporal's databases (temporal, temporal_visibility)
# are created by temporalio/auto-setup with the superuser.
set -eu

: "${GATESYNC_DB_NAME:?GATESYNC_DB_NAME is required}"
: "${GATESYNC_DB_USER:?GATESYNC_DB_USER is required}"
: "${GATESYNC_DB_PASSWORD:?GATESYNC_DB_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v db="$GATESYNC_DB_NAME" -v role="$GATESYNC_DB_USER" -v pass="$GATESYNC_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'pass';
CREATE DATABASE :"db" OWNER :"role";
SQL
