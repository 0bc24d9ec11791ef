#!/usr/bin/env bash
# The GitHub Action's scan (action.yml): runs `ptsafe scan --sarif --output $INPUT_SARIF` on $INPUT_PATHS
# with the inputs action.yml documents, passed as INPUT_* variables (as the composite step sets them):
#   INPUT_PATHS    files, folders or archives, separated by spaces or newlines (default .)
#   INPUT_FAIL_ON  --fail-on value (empty: the policy's, else the default)
#   INPUT_CONFIG   --config policy file (empty: none)
#   INPUT_SARIF    where the SARIF log goes (default ptsafe.sarif)
#   INPUT_ARGS     more options, separated by spaces
#   INPUT_PTSAFE   the ptsafe command (default: ptsafe on PATH)
# Writes the outputs sarif= and exit-code= to $GITHUB_OUTPUT and a summary to $GITHUB_STEP_SUMMARY
# when they are set, and exits with ptsafe's exit code (docs/scanning.md#exit-codes), after the SARIF is
# written: run the upload step with `if: success() || failure()` so that a failing scan is uploaded too.
set -uo pipefail

ptsafe="${INPUT_PTSAFE:-ptsafe}"
sarif="${INPUT_SARIF:-ptsafe.sarif}"
read -r -d '' -a paths <<< "${INPUT_PATHS:-.}"
read -r -d '' -a extra <<< "${INPUT_ARGS:-}"
if [ "${#paths[@]}" -eq 0 ]; then paths=(.); fi

args=(scan --sarif --output "$sarif")
if [ -n "${INPUT_CONFIG:-}" ]; then args+=(--config "$INPUT_CONFIG"); fi
if [ -n "${INPUT_FAIL_ON:-}" ]; then args+=(--fail-on "$INPUT_FAIL_ON"); fi
args+=("${extra[@]}" -- "${paths[@]}")

mkdir -p "$(dirname "$sarif")"
echo "ptsafe ${args[*]}"
"$ptsafe" "${args[@]}"
code=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "sarif=$sarif"; echo "exit-code=$code"; } >> "$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  case "$code" in
    0) verdict="passed" ;;
    1) verdict="failed: issues found (an UNSAFE file, or what --fail-on selects)" ;;
    2) verdict="failed: an INVALID file, or a file could not be read" ;;
    3) verdict="failed: no model file found under ${paths[*]}" ;;
    4) verdict="failed: usage error (check the action's inputs)" ;;
    *) verdict="failed: exit code $code" ;;
  esac
  { echo "### ptsafe scan"; echo; echo "ptsafe scan $verdict; SARIF log: \`$sarif\`"; } >> "$GITHUB_STEP_SUMMARY"
fi
exit "$code"
