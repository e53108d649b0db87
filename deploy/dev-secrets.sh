#!/bin/sh
# Creates the secret files that deploy/compose.yaml mounts, for DEVELOPMENT only:
#   deploy/secrets/postgres_password.txt               the PostgreSQL superuser's password
#   deploy/secrets/{pegawai,formasi,matching,audit}_db_password.txt   one role per service
#   deploy/secrets/auth_public_key.pem   public half of the `tatamutasi token` dev key pair
#   deploy/secrets/audit_signing.key     the audit ledger's checkpoint signing key
#   deploy/secrets/audit_pseudonym_key.txt   the audit ledger's HMAC pseudonym secret
#   deploy/secrets/grafana_admin_password.txt   Grafana's `admin` password
# The dev private key stays on this machine (deploy/secrets/dev/keys, mode 0600) and is never
# mounted; mint tokens with:
#   .venv/bin/tatamutasi token --role admin --data-dir deploy/secrets/dev
# Existing files are kept. In production, provide these files from your secret store and use
# the identity provider's public key (or <PREFIX>_AUTH_JWKS_URL) instead: see deploy/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
secrets="$here/secrets"
tatamutasi="${TATAMUTASI:-$here/../.venv/bin/tatamutasi}"
mkdir -p "$secrets"
# Compose (without Swarm) bind-mounts secret files with their host permissions, and the
# containers run as other users (services uid 10001, postgres uid 999): world-readable here.
umask 022

for name in postgres_password pegawai_db_password formasi_db_password matching_db_password \
            audit_db_password audit_pseudonym_key grafana_admin_password \
            web_oidc_client_secret; do
    file="$secrets/$name.txt"
    if [ -s "$file" ]; then
        echo "kept    $file"
    else
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file"
        echo "wrote   $file"
    fi
done

if [ ! -x "$tatamutasi" ]; then
    echo "cannot find $tatamutasi: run 'make venv' first (or set TATAMUTASI=path)" >&2
    exit 1
fi
"$tatamutasi" token --role admin --data-dir "$secrets/dev" > /dev/null
cp "$secrets/dev/keys/dev-signing-key.pub.pem" "$secrets/auth_public_key.pem"
chmod 0644 "$secrets/auth_public_key.pem"
echo "wrote   $secrets/auth_public_key.pem (dev token key; private half in $secrets/dev/keys)"
# The web console's development login signs tokens with the private half (never in production:
# there the console logs users in through the identity provider).
cp "$secrets/dev/keys/dev-signing-key.pem" "$secrets/web_dev_signing.key"
chmod 0644 "$secrets/web_dev_signing.key"
echo "wrote   $secrets/web_dev_signing.key (development login of the web console)"

# The audit ledger's checkpoint signing key (signed-note Ed25519), named after the log origin
# that compose passes as AUDIT_LOG_ORIGIN (TATAMUTASI_LOG_ORIGIN, same default as there).
origin="${TATAMUTASI_LOG_ORIGIN:-tatamutasi.example/pemda-dev}"
if [ -s "$secrets/audit_signing.key" ]; then
    echo "kept    $secrets/audit_signing.key"
else
    python="$(dirname "$tatamutasi")/python"
    rm -rf "$secrets/dev/audit-keys"
    "$python" -c 'import sys; from pathlib import Path
from tatamutasi_audit.service.keys import write_signing_key
write_signing_key(Path(sys.argv[1]), sys.argv[2])' "$secrets/dev/audit-keys" "$origin"
    cp "$secrets/dev/audit-keys/signing.key" "$secrets/audit_signing.key"
    chmod 0644 "$secrets/audit_signing.key"
    echo "wrote   $secrets/audit_signing.key (origin $origin; verifier key in $secrets/dev/audit-keys/signing.vkey)"
fi
