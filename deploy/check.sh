#!/usr/bin/env bash
# Validate the deployment files where no container engine or cluster runs (CI calls this):
#   1. docker-compose resolves docker-compose.yml (placeholder secrets, any local .env ignored)
#      and refuses it when the shared internal token secret is missing;
#   2. every YAML in deploy/k8s parses, and the Dockerfiles, the compose file and the manifests
#      agree on ports, variable prefixes, probes, commands and Secret/ConfigMap keys;
#   3. where kubectl is installed, the kustomization builds; where kubernetes-validate is
#      installed, the built manifests match the Kubernetes API schemas.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-.venv/bin/python}"
[[ -x "$python" ]] || python=python3

if ! command -v docker-compose >/dev/null; then
    echo "deploy/check.sh: docker-compose is not installed (Debian: apt-get install docker-compose)" >&2
    exit 1
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
touch "$scratch/empty.env"

placeholder="check-only-placeholder-not-a-real-secret"
export IDEAFLOW_POSTGRES_PASSWORD="$placeholder" \
    IDEAFLOW_IDEAS_DB_PASSWORD="$placeholder" \
    IDEAFLOW_EXPERIMENTS_DB_PASSWORD="$placeholder" \
    IDEAFLOW_FEEDBACK_DB_PASSWORD="$placeholder" \
    IDEAFLOW_GATEWAY_DB_PASSWORD="$placeholder"
IDEAFLOW_INTERNAL_TOKEN_SECRET="$placeholder" docker-compose --file docker-compose.yml --env-file "$scratch/empty.env" config --quiet
if (unset IDEAFLOW_INTERNAL_TOKEN_SECRET; docker-compose --file docker-compose.yml --env-file "$scratch/empty.env" config --quiet 2>/dev/null); then
    echo "deploy/check.sh: docker-compose.yml does not require IDEAFLOW_INTERNAL_TOKEN_SECRET" >&2
    exit 1
fi
echo "deploy/check.sh: docker-compose.yml is valid and requires the internal token secret"

"$python" deploy/check_manifests.py

if command -v kubectl >/dev/null; then
    built="$scratch/built.yaml"
    kubectl kustomize deploy/k8s >"$built"
    echo "deploy/check.sh: the kustomization builds ($(grep -c '^kind:' "$built") resources)"
    validator="$(command -v kubernetes-validate || echo .venv/bin/kubernetes-validate)"
    if [[ -x "$validator" ]]; then
        "$validator" --strict --quiet "$built" deploy/k8s/secret.example.yaml
        echo "deploy/check.sh: the manifests match the Kubernetes API schemas"
    else
        echo "deploy/check.sh: kubernetes-validate not installed, schema check skipped"
    fi
else
    echo "deploy/check.sh: kubectl not installed, kustomize build skipped"
fi
