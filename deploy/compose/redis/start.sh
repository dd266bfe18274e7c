#!/bin/sh
# docker-compose.yml's Redis: the default user off, so that a connection without a password
# can do nothing, and the operator ($REDIS_OPERATOR_PASSWORD) alone at first; the services'
# users are added by `python -m service_kit.grants apply` (the compose `grants` job) and
# saved in the same ACL file, which every start keeps (DESIGN §19).
#
# tests/integration/test_compose_infra.py runs this script on Debian's redis-server.
set -eu

: "${REDIS_OPERATOR_PASSWORD:?set REDIS_OPERATOR_PASSWORD}"
acl=${REDIS_ACL_FILE:-/data/users.acl}
digest=$(printf %s "$REDIS_OPERATOR_PASSWORD" | sha256sum | cut -d ' ' -f 1)

umask 077
touch "$acl"
{
    # Off with no password, so nobody signs in as it; its rights are for the client that
    # replays the AOF at start, as the default user: Redis 7 rechecks each EXEC against
    # them and, with none, drops every MULTI/EXEC of the AOF (redis/redis#14541).
    echo "user default off resetpass ~* &* +@all"
    echo "user operator on #$digest ~* &* +@all"
    grep -v -e '^user default ' -e '^user operator ' "$acl" || true
} > "$acl.new"
mv "$acl.new" "$acl"
# The image's entrypoint hands /data to the redis user and drops root before it starts.
entrypoint=$(command -v docker-entrypoint.sh || true)
exec $entrypoint redis-server --aclfile "$acl" "$@"
