# Result set schema (included from tests/CMakeLists.txt): the checked-in documentation and the
# Python reader's field list are the current output of `xpubench schema`.
target_sources(xpb_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_schema.cpp)
add_test(NAME schema.doc_current
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/schema_current.sh $<TARGET_FILE:xpubench> md
                 ${PROJECT_SOURCE_DIR}/docs/results-schema.md)
add_test(NAME schema.json_current
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/schema_current.sh $<TARGET_FILE:xpubench> json
                 ${PROJECT_SOURCE_DIR}/analysis/plots/xpb_schema.json)
set_tests_properties(schema.doc_current schema.json_current PROPERTIES LABELS "schema;docs" TIMEOUT 60)
