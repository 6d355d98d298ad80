# tests/cli/result_cells.sh — sourced by the kill/interrupt tests: count_cells FILE prints how many
# cells a result set holds, 0 when it does not open (yet).
count_cells() { /usr/bin/python3 -c 'import h5py,sys
try:
    f = h5py.File(sys.argv[1], "r"); print(len(f["cells"]))
except Exception:
    print(0)' "$1"; }
