# PostgreSQL from Debian on 127.0.0.1, for the Optuna RDB storage tests (sourced by .ci/run).
# Idempotent: an already running cluster, role or database is reused. Exports TUNEBOOK_PG_URL
# (a role that may create databases: each test run makes its own and drops it). On failure it
# prints why and returns non-zero; the PostgreSQL tests then skip and say so.
tunebook_pg_start() {
  local role=tunebook pass=tunebook db=tunebook
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "postgres: pg_lsclusters not found (Debian package postgresql not installed)"
    return 1
  fi
  local line ver name port state
  line=$(pg_lsclusters -h 2>/dev/null | head -n 1)
  if [ -z "$line" ]; then
    ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$ver" ]; then
      echo "postgres: no server version under /usr/lib/postgresql"
      return 1
    fi
    pg_createcluster "$ver" main >/dev/null || { echo "postgres: pg_createcluster $ver main failed"; return 1; }
    line=$(pg_lsclusters -h | head -n 1)
  fi
  read -r ver name port state _ <<<"$line"
  if [ "$state" != "online" ]; then
    # listen_addresses=localhost (Debian's default) covers 127.0.0.1.
    if ! pg_ctlcluster "$ver" "$name" start; then
      echo "postgres: pg_ctlcluster $ver $name start failed; last log lines:"
      tail -n 5 "/var/log/postgresql/postgresql-$ver-$name.log" 2>/dev/null
      return 1
    fi
  fi
  local i
  for i in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
  done
  if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
    echo "postgres: the server does not answer on 127.0.0.1:$port after 30 s"
    return 1
  fi
  local psql=(runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" -tA)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != "1" ]; then
    "${psql[@]}" -c "CREATE ROLE $role LOGIN CREATEDB PASSWORD '$pass'" || { echo "postgres: cannot create role $role"; return 1; }
  fi
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
    "${psql[@]}" -c "CREATE DATABASE $db OWNER $role" || { echo "postgres: cannot create database $db"; return 1; }
  fi
  export TUNEBOOK_PG_URL="postgresql://$role:$pass@127.0.0.1:$port/$db"
  if ! PGPASSWORD="$pass" psql -X -q -h 127.0.0.1 -p "$port" -U "$role" -d "$db" -tAc "SELECT 1" >/dev/null; then
    echo "postgres: role $role cannot log in over TCP on 127.0.0.1:$port (check pg_hba.conf)"
    unset TUNEBOOK_PG_URL
    return 1
  fi
  echo "postgres: $ver/$name answering on 127.0.0.1:$port; TUNEBOOK_PG_URL set"
}
tunebook_pg_start
