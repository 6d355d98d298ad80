# Analysis tests (included from tests/CMakeLists.txt): Catch2 unit tests added to xpb_tests, and
# reproducibility scenarios driving the real binary (tests/analysis/run_cli.sh).
target_sources(xpb_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_compare.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_h5_tree.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_html_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_portability.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_record_journal.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_result_set.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_svg.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_tolerance_rules.cpp)
target_link_libraries(xpb_tests PRIVATE xpb_analysis)

foreach(scenario quickstart_twice changed_number threads report verify golden plot reader)
  add_test(NAME analysis.${scenario}
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/run_cli.sh $<TARGET_FILE:xpubench> ${scenario})
  set_tests_properties(analysis.${scenario} PROPERTIES LABELS "analysis;reproducibility" TIMEOUT 300)
endforeach()
