# CLI integration tests: the real xpubench binary on real files (included from tests/CMakeLists.txt).
set(XPB_BIN $<TARGET_FILE:xpubench>)
set(EXPECT ${CMAKE_CURRENT_SOURCE_DIR}/cli/expect.sh)
set(TDATA ${CMAKE_CURRENT_SOURCE_DIR}/data/experiments)
set(CLI_TMP ${CMAKE_CURRENT_BINARY_DIR}/cli_tmp)
file(MAKE_DIRECTORY ${CLI_TMP})

function(xpb_cli_test name rc regex)
  add_test(NAME cli.${name} COMMAND ${EXPECT} ${rc} ${regex} -- ${ARGN})
  set_tests_properties(cli.${name} PROPERTIES LABELS cli)
endfunction()

# --- information and help
xpb_cli_test(version 0 "backend OpenMP.*|workloads: .*stream" ${XPB_BIN} --version)
xpb_cli_test(version_workloads 0 "workloads: .*stream" ${XPB_BIN} --version)
foreach(sub run expand list show validate calibrate project report compare verify plot schema export)
  xpb_cli_test(help_${sub} 0 "(Usage|usage|USAGE).*Examples:.* xpubench ${sub} " ${XPB_BIN} ${sub} --help)
endforeach()
xpb_cli_test(list_workloads 0 "stream" ${XPB_BIN} list workloads)
xpb_cli_test(list_experiments 0 "quickstart" ${XPB_BIN} list experiments)
xpb_cli_test(list_platforms 0 "nvidia-h20" ${XPB_BIN} list platforms)
xpb_cli_test(show_workload 0 "dtype.*choice.*fp32\\|fp64" ${XPB_BIN} show workload stream)
xpb_cli_test(expand 0 "2 cell\\(s\\)" ${XPB_BIN} expand ${TDATA}/tiny.yaml)
xpb_cli_test(dry_run 0 "stream dtype=fp32 n=16384" ${XPB_BIN} run ${TDATA}/tiny.yaml --dry-run)
xpb_cli_test(validate_ok 0 "ok: .*quickstart.yaml" ${XPB_BIN} validate ${PROJECT_SOURCE_DIR}/experiments/quickstart.yaml)

# --- bad input: file, line and key path, a hint, exit 2, nothing run
xpb_cli_test(bad_misspelt_key 2 "misspelt-key.yaml:5: workloads\\[0\\]\\.params\\.nn: unknown key 'nn'.*hint: did you mean 'n'"
             ${XPB_BIN} validate ${TDATA}/misspelt-key.yaml)
xpb_cli_test(bad_zip 2 "bad-zip.yaml:[0-9]+: workloads\\[0\\]\\.zip\\[0\\]: zip group has lists of unequal length"
             ${XPB_BIN} run ${TDATA}/bad-zip.yaml -o ${CLI_TMP}/never.h5)
xpb_cli_test(bad_workload 2 "unknown-workload.yaml:3: workloads\\[0\\]\\.workload: unknown workload 'straem'.*did you mean 'stream'"
             ${XPB_BIN} validate ${TDATA}/unknown-workload.yaml)
xpb_cli_test(bad_range 2 "out-of-range.yaml:5: workloads\\[0\\]\\.params\\.n: value 12 is out of range"
             ${XPB_BIN} run ${TDATA}/out-of-range.yaml -o ${CLI_TMP}/never.h5)
xpb_cli_test(bad_platform 2 "unknown-platform.yaml.*platforms\\[0\\].*nvidia-h2O"
             ${XPB_BIN} validate ${TDATA}/unknown-platform.yaml)
xpb_cli_test(bad_choice 2 "bad-choice.yaml:4: workloads\\[0\\]\\.params\\.dtype: 'fp61' is not one of: fp32, fp64"
             ${XPB_BIN} validate ${TDATA}/bad-choice.yaml)
xpb_cli_test(bad_syntax 2 "syntax-error.yaml:[0-9]+: YAML syntax error" ${XPB_BIN} validate ${TDATA}/syntax-error.yaml)
xpb_cli_test(bad_missing_file 2 "no-such-file.yaml: cannot open file" ${XPB_BIN} run ${TDATA}/no-such-file.yaml)
xpb_cli_test(bad_usage 2 "required|Required" ${XPB_BIN} run)

xpb_cli_test(bad_complex_key 2 "complex-key.yaml:6: workloads\\[0\\]\\.params: a key must be a plain word, not a list"
             ${XPB_BIN} validate ${TDATA}/complex-key.yaml)
xpb_cli_test(bad_duplicate_key 2 "duplicate-key.yaml:7: repeats: duplicate key 'repeats'.*hint: remove one of them"
             ${XPB_BIN} validate ${TDATA}/duplicate-key.yaml)
xpb_cli_test(bad_descriptor_duplicate_key 2 "duplicate-key.yaml:20: memory.capacity: duplicate key 'capacity'"
             ${XPB_BIN} validate ${CMAKE_CURRENT_SOURCE_DIR}/data/platforms/duplicate-key.yaml)
xpb_cli_test(bad_descriptor 2 "dtype-typo.yaml:[0-9]+: peak.bf61: unknown key 'bf61'.*hint: did you mean 'bf16'"
             ${XPB_BIN} validate ${CMAKE_CURRENT_SOURCE_DIR}/data/platforms/dtype-typo.yaml)

# --- the key tables in the docs are what the schema declarations say (scripts/schema-docs.sh)
xpb_cli_test(show_schema_platform 0 "`peak.bf16`.*compute rate.*`memory.bandwidth`"
             ${XPB_BIN} show schema platform)
xpb_cli_test(bad_show_schema 2 "unknown format 'platfrom'.*did you mean 'platform'" ${XPB_BIN} show schema platfrom)
add_test(NAME docs.schema_tables_current
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/schema-docs.sh --check ${XPB_BIN})
set_tests_properties(docs.schema_tables_current PROPERTIES LABELS docs)

# --- descriptors and calibration
xpb_cli_test(show_zhenwu 0 "150 \\[119 .. 312\\] TFLOP/s.*1945" ${XPB_BIN} show platform alibaba-zhenwu-810e)
add_test(NAME cli.calibrate_quick COMMAND ${XPB_BIN} calibrate --quick -o ${CLI_TMP}/calib.yaml --force)
add_test(NAME cli.calibrate_validates
         COMMAND ${EXPECT} 0 "ok: .*calib.yaml" -- ${XPB_BIN} validate ${CLI_TMP}/calib.yaml)
set_tests_properties(cli.calibrate_quick PROPERTIES FIXTURES_SETUP host_calibration)
set_tests_properties(cli.calibrate_validates PROPERTIES FIXTURES_REQUIRED host_calibration)
set_tests_properties(cli.calibrate_quick cli.calibrate_validates PROPERTIES LABELS cli RESOURCE_LOCK calib_yaml)
# With MPI built, calibrate measures the rank-to-rank link (mpirun -n 2 … calibrate-link) into
# intra_node, and `show platform` prints it.
if(MPI_C_FOUND AND MPIEXEC_EXECUTABLE)
  add_test(NAME cli.calibrate_link
           COMMAND ${EXPECT} 0 "name: \"MPI over shared memory\".*devices_per_node: \\{value: [0-9]+.*bandwidth_per_direction: \\{low: [0-9.e+-]+, nominal: [0-9.e+-]+, high: [0-9.e+-]+, unit: GB/s, confidence: measured.*latency: \\{"
           -- grep -A5 "^intra_node:" ${CLI_TMP}/calib.yaml)
  add_test(NAME cli.calibrate_show_link
           COMMAND ${EXPECT} 0 "intra-node link: MPI over shared memory.*intra_node.bandwidth_per_direction +[0-9.]+ \\[[0-9.]+ \\.\\. [0-9.]+\\] [GM]B/s +measured"
           -- ${XPB_BIN} show platform ${CLI_TMP}/calib.yaml)
  set_tests_properties(cli.calibrate_link cli.calibrate_show_link PROPERTIES
                       FIXTURES_REQUIRED host_calibration LABELS cli RESOURCE_LOCK calib_yaml)
  # A disturbed link run (a rank descheduled on a loaded host) is measured again.
  add_test(NAME cli.calibrate_disturbed_link
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/calibrate_disturbed_link.sh ${XPB_BIN} ${MPIEXEC_EXECUTABLE})
  set_tests_properties(cli.calibrate_disturbed_link PROPERTIES LABELS cli)
endif()

# --- runs: a result set, refusal to clobber, resume, kill -9
# Tests that read another test's output name it as a fixture (FIXTURES_REQUIRED), so that running
# one alone (ctest -R) runs its producer first; DEPENDS only orders a run that includes both.
add_test(NAME cli.run_tiny COMMAND ${XPB_BIN} run ${TDATA}/tiny.yaml -o ${CLI_TMP}/tiny.h5 --force)
add_test(NAME cli.h5dump_provenance
         COMMAND ${EXPECT} 0 "experiment_sha256" -- h5dump -A ${CLI_TMP}/tiny.h5)
add_test(NAME cli.h5py_reader COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/check_result_set.py ${CLI_TMP}/tiny.h5 2)
# Noise: a load average above the run's threads (injected through the test-only $XPB_TEST_LOADAVG)
# warns on stderr and stores the cell as ok with noisy = 1.
add_test(NAME cli.noisy_load
         COMMAND ${EXPECT} 0 "warning: cell [^ ]+ \\(.*\\) is noisy: .*load average 1000.00 at cell start"
                 -- env XPB_TEST_LOADAVG=1000 ${XPB_BIN} run ${TDATA}/tiny.yaml -o ${CLI_TMP}/noisy.h5 --force)
add_test(NAME cli.noisy_stored
         COMMAND ${EXPECT} 0 "ATTRIBUTE \"noisy\" \\{ +DATATYPE +H5T_STD_I64LE +DATASPACE +SCALAR +DATA \\{ +\\(0\\): 1"
                 -- h5dump -A ${CLI_TMP}/noisy.h5)
set_tests_properties(cli.noisy_load PROPERTIES FIXTURES_SETUP noisy_h5)
set_tests_properties(cli.noisy_stored PROPERTIES FIXTURES_REQUIRED noisy_h5)
add_test(NAME cli.noisy_report
         COMMAND ${EXPECT} 0 "\\| ok \\(noisy: [^|]*load average 1000.00" -- ${XPB_BIN} report ${CLI_TMP}/noisy.h5)
set_tests_properties(cli.noisy_report PROPERTIES FIXTURES_REQUIRED noisy_h5)
# The noisy flag in the report's CSV and JSON records (quantity `noisy`, value 1, the reasons in note;
# on a loaded machine the cell's own dispersion is a reason too and comes first).
add_test(NAME cli.noisy_report_csv
         COMMAND ${EXPECT} 0 ",measured,noisy,1,1,1,1,,noisy,[^,]*load average 1000.00"
                 -- ${XPB_BIN} report ${CLI_TMP}/noisy.h5 --format csv)
set_tests_properties(cli.noisy_report_csv PROPERTIES FIXTURES_REQUIRED noisy_h5)
add_test(NAME cli.noisy_report_json
         COMMAND ${EXPECT} 0 "\"quantity\": \"noisy\", +\"value\": 1(\\.0)?,.*\"verdict\": \"noisy\", +\"note\": \"[^\"]*load average 1000.00"
                 -- ${XPB_BIN} report ${CLI_TMP}/noisy.h5 --format json)
set_tests_properties(cli.noisy_report_json PROPERTIES FIXTURES_REQUIRED noisy_h5)
# --min-time: each timed repeat lasts at least that long (the count is stored), and bad values exit 2.
add_test(NAME cli.min_time
         COMMAND ${EXPECT} 0 "ATTRIBUTE \"min_time\" \\{ +DATATYPE +H5T_IEEE_F64LE +DATASPACE +SCALAR +DATA \\{ +\\(0\\): 0.05"
                 -- sh -c "${XPB_BIN} run ${TDATA}/tiny.yaml -o ${CLI_TMP}/min_time.h5 --force --min-time 0.05 >/dev/null 2>&1; h5dump -A ${CLI_TMP}/min_time.h5")
add_test(NAME cli.min_time_refused
         COMMAND ${EXPECT} 2 "error: --min-time: '-1' is not a number of seconds.*hint:"
                 -- ${XPB_BIN} run ${TDATA}/tiny.yaml -o ${CLI_TMP}/min_time_bad.h5 --force --min-time=-1)
add_test(NAME cli.refuse_overwrite
         COMMAND ${EXPECT} 2 "already exists.*hint: use --resume" -- ${XPB_BIN} run ${TDATA}/tiny.yaml -o ${CLI_TMP}/tiny.h5)
add_test(NAME cli.resume_nothing_left
         COMMAND ${EXPECT} 0 "0 cell\\(s\\) run, 2 skipped" -- ${XPB_BIN} run ${TDATA}/tiny.yaml -o ${CLI_TMP}/tiny.h5 --resume)
add_test(NAME cli.resume_empty_journal
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/resume_empty_journal.sh ${XPB_BIN} ${TDATA}/tiny.yaml ${CLI_TMP}/tiny.h5)
add_test(NAME cli.refuse_other_experiment
         COMMAND ${EXPECT} 2 "different experiment" -- ${XPB_BIN} run ${TDATA}/twenty-cells.yaml -o ${CLI_TMP}/tiny.h5 --resume)
set_tests_properties(cli.run_tiny PROPERTIES FIXTURES_SETUP tiny_h5)
set_tests_properties(cli.h5dump_provenance cli.h5py_reader cli.refuse_overwrite cli.resume_nothing_left
                     cli.resume_empty_journal cli.refuse_other_experiment PROPERTIES FIXTURES_REQUIRED tiny_h5)
set_tests_properties(cli.run_tiny cli.h5dump_provenance cli.h5py_reader cli.refuse_overwrite
                     cli.resume_nothing_left cli.resume_empty_journal cli.refuse_other_experiment
                     PROPERTIES RESOURCE_LOCK tiny_h5 LABELS cli)
# Google Benchmark JSON for compare.py (libbenchmark-tools), checked against h5py's reading.
add_test(NAME cli.gbench_export
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/gbench_export.sh ${XPB_BIN} ${TDATA}/tiny.yaml ${CLI_TMP})
set_tests_properties(cli.gbench_export PROPERTIES LABELS cli)
# The cell table shows each cell's headline metrics, as the workload declares them.
xpb_cli_test(run_headline 0 "headline metrics.*triad_bandwidth [0-9.e+-]+ GB/s"
             ${XPB_BIN} run ${TDATA}/tiny.yaml -o ${CLI_TMP}/tiny-headline.h5 --force)
# A cell that needs more ranks than the run has is skipped (reason once, projection made) and the
# run exits 0; --ranks 2 re-launches under mpirun and measures it.
xpb_cli_test(skipped_cell_exit_0 0 "allreduce.* skipped: needs >= 2 MPI ranks, had 1.*0 not ok.*1 cell\\(s\\) need more MPI ranks.*--resume --ranks 2`"
             ${XPB_BIN} run ${TDATA}/one-rank-allreduce.yaml -o ${CLI_TMP}/one-rank.h5 --force)
xpb_cli_test(only_matches_nothing 2 "--only: no cell of .*tiny.yaml matches 'nothing\\*'.*hint: .*--dry-run"
             ${XPB_BIN} run ${TDATA}/tiny.yaml --only "nothing*" -o ${CLI_TMP}/never.h5)
if(MPI_C_FOUND AND MPIEXEC_EXECUTABLE)
  xpb_cli_test(ranks_relaunch 0 "running: .*mpirun -n 2 .*allreduce bytes=4096 .*ok.*0 not ok"
               ${XPB_BIN} run ${TDATA}/one-rank-allreduce.yaml --ranks 2 -o ${CLI_TMP}/two-rank.h5 --force)
endif()
# The flagship experiment, out of the box on one process (tests/cli/flagship.sh).
add_test(NAME cli.h20_parity_one_process
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/flagship.sh ${XPB_BIN} ${PROJECT_SOURCE_DIR}/experiments/h20-parity.yaml)
set_tests_properties(cli.h20_parity_one_process PROPERTIES LABELS cli TIMEOUT 600 RUN_SERIAL TRUE)
# Outputs: -o never overwrites without --force, never an input, never a special file; one writer.
add_test(NAME cli.outputs COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/outputs.sh ${XPB_BIN} ${TDATA}/tiny.yaml
                                  ${TDATA}/twenty-cells.yaml)
set_tests_properties(cli.outputs PROPERTIES LABELS cli TIMEOUT 300)
# SIGINT / SIGTERM: the finished cells kept, exit 130 / 143, --resume completes an equal run.
add_test(NAME cli.sigint_resume COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/interrupt_resume.sh ${XPB_BIN}
                                        ${TDATA}/ten-cells.yaml INT 130 compare)
add_test(NAME cli.sigterm COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/interrupt_resume.sh ${XPB_BIN}
                                  ${TDATA}/ten-cells.yaml TERM 143)
set_tests_properties(cli.sigint_resume cli.sigterm PROPERTIES LABELS cli RUN_SERIAL TRUE TIMEOUT 600)
xpb_cli_test(ernie_scale_plans 0 "Projected training.*ernie-4.5-300b-a47b +alibaba-zhenwu-810e +2016 +tp=.*"
             ${XPB_BIN} run ${PROJECT_SOURCE_DIR}/experiments/ernie-scale.yaml -o ${CLI_TMP}/ernie-scale.h5 --force)
add_test(NAME cli.kill_resume COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/kill_resume.sh ${XPB_BIN} ${TDATA}/twenty-cells.yaml)
set_tests_properties(cli.kill_resume PROPERTIES LABELS cli RUN_SERIAL TRUE)
# An earlier run's journal OUT.parts/: refused by a fresh run, discarded with a warning by --force.
add_test(NAME cli.journal_guard COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/journal_guard.sh ${XPB_BIN} ${TDATA}/tiny.yaml)
set_tests_properties(cli.journal_guard PROPERTIES LABELS cli TIMEOUT 300)
# A cell over the memory budget is stored invalid before it allocates; a bad size is refused.
xpb_cli_test(max_memory 1 "n=268435456 \\.\\.\\. invalid: .*n: the three stream arrays need 6 GiB, over this run's budget of 1 GiB.*1 not ok"
             ${XPB_BIN} run ${TDATA}/memory-budget.yaml --max-memory 1G -o ${CLI_TMP}/memory-budget.h5 --force)
# The training workloads too: each cell's estimate (weights, gradients, AdamW moments, activations,
# logits, data-parallel buffers) is checked before it allocates or reads its corpus.
xpb_cli_test(max_memory_training 1 "gpt .*invalid: .*batch: the gpt model's parameters, gradients, AdamW moments, activations \\(24 layers x 64 x 2048 positions\\) and logits need [0-9.]+ GiB, over this run's budget of 1 GiB.*mlp .*invalid: .*features: the mlp model's .*1024 x 1048576 input rows need [0-9.e+]+ GiB.*ernie .*invalid: .*batch: the ernie encoder's .*\\(24 layers x 256 x 512 positions\\) and logits need [0-9.]+ GiB.*3 not ok"
             ${XPB_BIN} run ${TDATA}/memory-budget-training.yaml --max-memory 1G -o ${CLI_TMP}/memory-budget-training.h5 --force)
xpb_cli_test(max_memory_bad 2 "--max-memory: '8X' is not a memory size"
             ${XPB_BIN} run ${TDATA}/memory-budget.yaml --max-memory 8X -o ${CLI_TMP}/memory-budget.h5 --force)
# SIGKILL at 20 random moments, each attempt resuming the last: nothing lost, duplicated or left.
add_test(NAME cli.kill_many COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/kill_many.sh ${XPB_BIN} ${TDATA}/twenty-cells.yaml 20)
set_tests_properties(cli.kill_many PROPERTIES LABELS cli TIMEOUT 600 COST 50)
# A full disk half-way through a sweep: clear error, the saved cells kept, --resume completes it.
add_test(NAME cli.disk_full COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/disk_full.sh ${XPB_BIN} ${TDATA}/disk-full.yaml)
set_tests_properties(cli.disk_full PROPERTIES LABELS cli SKIP_RETURN_CODE 77)
add_test(NAME cli.quickstart COMMAND ${XPB_BIN} run ${PROJECT_SOURCE_DIR}/experiments/quickstart.yaml -o ${CLI_TMP}/quickstart.h5 --force)
add_test(NAME cli.quickstart_reader COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/check_result_set.py ${CLI_TMP}/quickstart.h5)
set_tests_properties(cli.quickstart PROPERTIES FIXTURES_SETUP quickstart_h5)
set_tests_properties(cli.quickstart_reader PROPERTIES FIXTURES_REQUIRED quickstart_h5)
set_tests_properties(cli.quickstart cli.quickstart_reader PROPERTIES LABELS cli RESOURCE_LOCK quickstart_h5)

# --- the examples/ out-of-tree workload builds with XPB_EXTRA_WORKLOAD_DIRS and registers
add_test(NAME build.extra_workload_example
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/extra_workload.sh ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/extra_build
                 $<$<BOOL:${CMAKE_CXX_COMPILER_LAUNCHER}>:-DCMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}>)
set_tests_properties(build.extra_workload_example PROPERTIES LABELS build TIMEOUT 1200 RUN_SERIAL TRUE)

# --- a copy of the binary works from the install layout, away from the checkout, and fails
# clearly without it (tests/cli/relocated.sh; docs/architecture.md "Where xpubench finds its files")
add_test(NAME cli.relocated COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli/relocated.sh ${XPB_BIN} ${PROJECT_SOURCE_DIR})
set_tests_properties(cli.relocated PROPERTIES LABELS cli TIMEOUT 300)
xpb_cli_test(list_paths 0 "share +${PROJECT_SOURCE_DIR} +source tree"
             ${XPB_BIN} list paths)

# --- the architecture's arrows: no forbidden include edge (and the check can fail)
add_test(NAME build.include_check COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/build/include_check.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(build.include_check PROPERTIES LABELS build)
# Formatting (.clang-format) of the C++ lines changed since main (scripts/check-format.sh), and a
# scratch repository showing that the check fails on a misformatted change.
add_test(NAME build.format COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-format.sh)
add_test(NAME build.format_check_fails COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/build/format_check.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(build.format build.format_check_fails PROPERTIES LABELS build SKIP_RETURN_CODE 77)

# --- no function in core/ over 100 lines (and the check can fail)
add_test(NAME build.function_length
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/build/function_length_check.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(build.function_length PROPERTIES LABELS build)

# --- the compiler-vectorised per-ISA bodies (GELU, layer norm, softmax backward, AdamW) came out
# vectorised (and the check can fail)
add_test(NAME build.vectorised COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/build/vectorised_check.sh ${XPB_BIN})
set_tests_properties(build.vectorised PROPERTIES LABELS build SKIP_RETURN_CODE 77)

# --- the code is C++17 and must also compile as C++20. build.kokkos5_headers (tests/device/
# cuda_tests.cmake) compiles every source of this build as C++20 against Kokkos 5; what only
# Kokkos 3.4 compiles in C++20 is the compat header's pre-4.0 branches (core/base/kokkos_compat.hpp),
# checked here through two of its users: its math functions (softmax, device code) and its version
# strings (provenance). Every source with 3.4 took ~500 s of the CI's 30 minutes for that header.
add_test(NAME build.cxx20_syntax
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-cxx20.sh ${PROJECT_BINARY_DIR}
                 --only "workloads/micro/softmax\\.cpp$|core/results/provenance\\.cpp$")
set_tests_properties(build.cxx20_syntax PROPERTIES LABELS build TIMEOUT 300)

# --- the bad-input catalogue (tests/bad-inputs/): every case refused with its exit code and
# message, nothing crashes (issue 18)
add_test(NAME cli.bad_inputs COMMAND ${PROJECT_SOURCE_DIR}/tests/bad-inputs/run.sh ${XPB_BIN})
set_tests_properties(cli.bad_inputs PROPERTIES LABELS cli TIMEOUT 900 COST 50)

# --- `--json` on every subcommand (docs/json.md): one object per command, parsed by Python.
add_test(NAME cli.json_outputs
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/json_outputs.sh ${XPB_BIN} ${TDATA}/tiny.yaml ${CLI_TMP})
set_tests_properties(cli.json_outputs PROPERTIES LABELS cli)
# --- `report --format html`: one self-contained page, checked in headless Chromium (skipped, exit
# 77, only where chromium is not installed). Catches: a section dropped or renamed, a chart lost to
# bad markup (Chromium's DOM has fewer <svg> than the file), an external URL, script or style
# sheet, a label naming a parameter that does not vary, -o overwriting without --force.
add_test(NAME cli.report_html
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli/html_report.sh ${XPB_BIN} ${TDATA}/html-report.yaml ${CLI_TMP})
set_tests_properties(cli.report_html PROPERTIES LABELS cli SKIP_RETURN_CODE 77 TIMEOUT 300)
