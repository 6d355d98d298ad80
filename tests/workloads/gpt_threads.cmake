# tests/workloads/gpt_threads.cmake — the GPT's loss curve must not depend on the thread count.
# Runs the hidden Catch2 case "[threads]" of xpb_tests with OMP_NUM_THREADS=1 and =2 and compares
# the loss files byte for byte. Usage: cmake -DTESTS=<xpb_tests> -DOUT=<dir> -P gpt_threads.cmake
foreach(n 1 2)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env OMP_NUM_THREADS=${n} OMP_PROC_BIND=false
            XPB_LOSS_OUT=${OUT}/gpt_losses_${n}.txt ${TESTS} "[threads]"
    RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "xpb_tests [threads] failed with OMP_NUM_THREADS=${n} (exit ${rc})")
  endif()
endforeach()
file(READ ${OUT}/gpt_losses_1.txt a)
file(READ ${OUT}/gpt_losses_2.txt b)
if(a STREQUAL "" OR NOT a STREQUAL b)
  message(FATAL_ERROR "GPT losses differ between 1 and 2 threads:\n${a}\n---\n${b}")
endif()
message(STATUS "GPT losses identical on 1 and 2 threads")
