# tests/cli/result_cells.sh — sourced by the kill/interrupt/disk tests: count_cells FILE prints how
# many distinct cells are saved for a result set: those in the file (0 while it does not open yet)
# and those in its journal FILE.parts/*.h5 not yet merged into it (what --resume picks up).
count_cells() { /usr/bin/python3 -c 'import glob, h5py, sys
ids = set()
for p in [sys.argv[1]] + sorted(glob.glob(sys.argv[1] + ".parts/*.h5")):
    try:
        with h5py.File(p, "r") as f:
            ids.update(f["cells"])
    except Exception:
        pass
print(len(ids))' "$1"; }
