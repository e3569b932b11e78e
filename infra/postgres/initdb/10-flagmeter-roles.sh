#!/bin/sh
# Creates the roles the compose stack connects as, none of them a superuser.
# The postgres image runs this once, as its superuser, when it initialises an
# empty data volume (docker-compose.yml mounts this folder at
# /docker-entrypoint-initdb.d):
#   flagmeter           LOGIN, owns the database POSTGRES_DB (so it may create
#                       its tables: FlagMeter applies its migrations itself)
#   flagmeter_exporter  LOGIN, member of pg_monitor (statistics, no data)
# Passwords: FLAGMETER_DB_PASSWORD and EXPORTER_DB_PASSWORD. A volume made
# before this script existed keeps its roles; see docs/operations.md.
set -eu
: "${FLAGMETER_DB_PASSWORD:?set FLAGMETER_DB_PASSWORD}"
: "${EXPORTER_DB_PASSWORD:?set EXPORTER_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-flagmeter}" \
  -v db="${POSTGRES_DB:-flagmeter}" -v app_password="$FLAGMETER_DB_PASSWORD" \
  -v exporter_password="$EXPORTER_DB_PASSWORD" <<'SQL'
CREATE ROLE flagmeter LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO flagmeter;
CREATE ROLE flagmeter_exporter LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'exporter_password';
GRANT pg_monitor TO flagmeter_exporter;
SQL
