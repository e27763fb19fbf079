#!/bin/sh
# One-shot job (service temporal-admin-tools): waits for the Temporal frontend and the namespace that
# temporalio/auto-setup registers, then adds gatesync's custom search attributes. Safe to re-run: an
# attribute that already exists with the same type is left alone; one with another type fails the job.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
ATTEMPTS="${WAIT_ATTEMPTS:-60}"
SLEEP="${WAIT_SECONDS:-2}"
# name:Type pairs; the workflows set these and the API filters on them (docs/deployment.md).
ATTRIBUTES="${GATESYNC_SEARCH_ATTRIBUTES:-GatesyncCareer:Keyword GatesyncState:Keyword GatesyncKind:Keyword}"

retry() {
  what="$1"
  shift
  i=1
  until "$@" >/dev/null 2>&1; do
    if [ "$i" -ge "$ATTEMPTS" ]; then
      echo "gave up waiting for $what after $ATTEMPTS attempts" >&2
      "$@" # show the last error
      exit 1
    fi
    echo "waiting for $what ($i/$ATTEMPTS)"
    i=$((i + 1))
    sleep "$SLEEP"
  done
}

retry "Temporal at $TEMPORAL_ADDRESS" temporal operator cluster health --address "$TEMPORAL_ADDRESS"
retry "namespace $NAMESPACE" temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE"

for pair in $ATTRIBUTES; do
  name="${pair%%:*}"
  type="${pair#*:}"
  existing="$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --output json)"
  if printf '%s' "$existing" | grep -q "\"$name\""; then
    echo "search attribute $name already registered"
    continue
  fi
  temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
    --name "$name" --type "$type"
  echo "search attribute $name ($type) registered"
done

temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE"
