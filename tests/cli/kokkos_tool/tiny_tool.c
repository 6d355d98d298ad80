/* tests/cli/kokkos_tool/tiny_tool.c — the smallest Kokkos Tools library, for tests/cli/kokkos_tools.sh.
 * It counts the init/finalize calls and the parallel_for launches it is told about, remembers the
 * first kernel label, and writes them at finalize to the file named by $XPB_TEST_TOOL_OUT. It does
 * not time anything: the Simple Kernel Timer (kokkos-tools) is the real example (docs/kokkos-tools.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_inits = 0;
static long g_fors = 0;
static char g_first_label[256] = "";

void kokkosp_init_library(const int load_seq, const uint64_t interface_ver, const uint32_t dev_info_count,
                          void* device_info) {
  (void)load_seq;
  (void)interface_ver;
  (void)dev_info_count;
  (void)device_info;
  ++g_inits;
}

void kokkosp_begin_parallel_for(const char* name, const uint32_t dev_id, uint64_t* kernel_id) {
  (void)dev_id;
  *kernel_id = (uint64_t)g_fors;
  if (g_fors++ == 0 && name) strncpy(g_first_label, name, sizeof g_first_label - 1);
}

void kokkosp_end_parallel_for(const uint64_t kernel_id) { (void)kernel_id; }

void kokkosp_finalize_library(void) {
  const char* path = getenv("XPB_TEST_TOOL_OUT");
  FILE* f = path ? fopen(path, "w") : NULL;
  if (!f) return;
  fprintf(f, "init %d\nparallel_for %ld\nfirst %s\n", g_inits, g_fors, g_first_label);
  fclose(f);
}
