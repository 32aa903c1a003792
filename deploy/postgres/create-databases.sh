#!/usr/bin/env bash
# Run once by the postgres image (from /docker-entrypoint-initdb.d) when its data volume is empty.
# Each service owns its data, so each gets its own login role and a database only that role can
# reach; a service's credentials open no other service's tables. Passwords come from the
# environment (IDEAFLOW_<SERVICE>_DB_PASSWORD), never from this file.
set -euo pipefail

create_database() {
    local name="ideaflow_$1" password="$2"
    psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        --set name="$name" --set password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
}

create_database ideas "$IDEAFLOW_IDEAS_DB_PASSWORD"
create_database experiments "$IDEAFLOW_EXPERIMENTS_DB_PASSWORD"
create_database feedback "$IDEAFLOW_FEEDBACK_DB_PASSWORD"
create_database gateway "$IDEAFLOW_GATEWAY_DB_PASSWORD"
