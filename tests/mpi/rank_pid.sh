# tests/mpi/rank_pid.sh — sourced by the MPI kill and signal tests.
# rank_pid PATTERN RANK: the pid of the process whose command line matches PATTERN and whose
# Open MPI world rank is RANK (empty when none is running yet).
rank_pid() {
  local p
  for p in $(pgrep -f "$1" || true); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
      echo "$p"
      return
    fi
  done
}

# finished OUT: the cells finished so far, in the result file OUT plus those waiting in OUT.parts/
# to be merged (rank 0's journal, the other ranks' fragments).
. "$(dirname "${BASH_SOURCE[0]}")/../cli/result_cells.sh"
finished() { count_cells "$1"; }
