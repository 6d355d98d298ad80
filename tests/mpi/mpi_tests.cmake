# tests/mpi/mpi_tests.cmake — scale-out over MPI with real `mpirun -n 2` processes (included from
# tests/CMakeLists.txt when the build has MPI). Each rank runs one OpenMP thread; the host is
# projected with the quick calibration of cli.calibrate_quick (its rank-to-rank link included).
set(XPB_MPI_ENV "OMP_NUM_THREADS=1;OMP_PROC_BIND=false;XPB_HOST_DESCRIPTOR=${CLI_TMP}/calib.yaml")
set(MPI_DIR ${CMAKE_CURRENT_SOURCE_DIR}/mpi)
add_test(NAME mpi.dp_equals_accumulation
         COMMAND ${MPI_DIR}/dp_equals_accumulation.sh ${XPB_BIN} ${MPIEXEC_EXECUTABLE}
                 ${TDATA}/dp-small.yaml)
add_test(NAME mpi.sweep_equals_single
         COMMAND ${MPI_DIR}/sweep_equals_single.sh ${XPB_BIN} ${MPIEXEC_EXECUTABLE}
                 ${TDATA}/sweep-mix.yaml)
add_test(NAME mpi.kill_rank_resume
         COMMAND ${MPI_DIR}/kill_rank_resume.sh ${XPB_BIN} ${MPIEXEC_EXECUTABLE}
                 ${TDATA}/twenty-cells.yaml)
# The same kill with a launcher that lets rank 0 live on: only rank 1's running cell is lost.
add_test(NAME mpi.kill_rank_survivors
         COMMAND ${MPI_DIR}/kill_rank_resume.sh ${XPB_BIN} ${MPIEXEC_EXECUTABLE}
                 ${TDATA}/twenty-cells.yaml survive)
# A rank of a data-parallel cell dies: its partner, stuck in the cell's collectives, ends the job.
add_test(NAME mpi.kill_dp_rank
         COMMAND ${MPI_DIR}/kill_dp_rank.sh ${XPB_BIN} ${MPIEXEC_EXECUTABLE} ${TDATA}/dp-long.yaml)
# SIGTERM to both ranks (a batch system's cancel): no new cell, the running ones finish, rank 0
# merges and says how to resume, exit 143; --resume completes the sweep.
add_test(NAME mpi.sigterm_ranks
         COMMAND ${MPI_DIR}/sigterm_ranks.sh ${XPB_BIN} ${MPIEXEC_EXECUTABLE}
                 ${TDATA}/twenty-cells.yaml)
set_tests_properties(mpi.dp_equals_accumulation mpi.sweep_equals_single mpi.kill_rank_resume
                     mpi.kill_rank_survivors mpi.kill_dp_rank mpi.sigterm_ranks
                     PROPERTIES LABELS mpi TIMEOUT 600 ENVIRONMENT "${XPB_MPI_ENV}"
                                FIXTURES_REQUIRED host_calibration)
set_tests_properties(mpi.kill_rank_resume mpi.kill_rank_survivors mpi.kill_dp_rank mpi.sigterm_ranks
                     PROPERTIES RUN_SERIAL TRUE)
set_tests_properties(cli.calibrate_quick PROPERTIES FIXTURES_SETUP host_calibration)
