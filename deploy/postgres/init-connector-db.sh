#!/bin/sh
# The connector's own database beside Temporal's (created by temporal-admin-tools), with the password
# from CONNECTOR_DB_PASSWORD (docker-compose.yml). Runs once, when the data volume is first created.
set -eu
psql -v ON_ERROR_STOP=1 -v password="$CONNECTOR_DB_PASSWORD" --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE USER connector WITH PASSWORD :'password';
CREATE DATABASE connector OWNER connector;
SQL
