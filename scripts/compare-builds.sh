#!/usr/bin/env bash
# Do two builds of mammo compute the same results? For refactors that must not change behaviour:
# runs the same seeded CPU work with both binaries (a small synthetic set; a 2-epoch scratch CNN on
# mass vs calcification, benign vs malignant with contrast and oversampling, a Siamese epoch, a
# VGG16 head epoch, and Grad-CAM of one test patch for three of them) and compares every output
# byte for byte (history.csv without its timing
# column, metrics.json without `seconds`).
#
#   cp target/debug/mammo target/debug/mammo-engine /tmp/old/   # before the change
#   ... change, cargo build ...
#   scripts/compare-builds.sh /tmp/old/mammo target/debug/mammo
set -euo pipefail
OLD=${1:?old mammo binary}; NEW=${2:?new mammo binary}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
"$OLD" synth --out "$WORK/data" --seed 7 --scale 0.1 > /dev/null
runs() {
  local B=$1 O=$2; mkdir -p "$O"
  "$B" synth --out "$O/synth" --seed 7 --scale 0.1 > /dev/null
  local common=(--data "$WORK/data" --profile smoke --device cpu --force)
  "$B" train "${common[@]}" --task mass-calc --model scratch --augment flip,rot90 --epochs 2 --seed 3 --out "$O/mc" > "$O/mc.log" 2>&1
  "$B" train "${common[@]}" --task benign-malignant --model scratch --augment rot90 --contrast 2 --balance over --epochs 2 --seed 5 --out "$O/bm" > "$O/bm.log" 2>&1
  "$B" train "${common[@]}" --task siamese --model siamese --augment rot90 --epochs 1 --seed 2 --out "$O/si" > "$O/si.log" 2>&1
  "$B" train "${common[@]}" --task mass-calc --model vgg16 --epochs 1 --seed 4 --out "$O/vgg" > "$O/vgg.log" 2>&1
  for r in mc si vgg; do
    "$B" explain --run "$O/$r" --index 3 --out "$O/$r/cam.png" > /dev/null 2>> "$O/$r.log"
  done
}
runs "$OLD" "$WORK/old"
runs "$NEW" "$WORK/new"
status=0
same() { if cmp -s "$WORK/old/$1" "$WORK/new/$1"; then echo "same      $1"; else echo "DIFFERENT $1"; status=1; fi; }
for f in synth/train_tensor.npy synth/train_labels.npy synth/public_test_tensor.npy synth/public_test_labels.npy; do same "$f"; done
for r in mc bm si vgg; do
  same "$r/predictions.csv"; same "$r/model.safetensors"
  [ "$r" = bm ] || same "$r/cam.png"
  cut -d, -f1-7 "$WORK/old/$r/history.csv" > "$WORK/old/$r/history.cmp"
  cut -d, -f1-7 "$WORK/new/$r/history.csv" > "$WORK/new/$r/history.cmp"
  same "$r/history.cmp"
  for s in old new; do
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d.pop('seconds', None); print(json.dumps(d, sort_keys=True))" \
      "$WORK/$s/$r/metrics.json" > "$WORK/$s/$r/metrics.cmp"
  done
  same "$r/metrics.cmp"
done
exit $status
