// workloads/register_all.cpp — the explicit, sorted list of compiled-in workloads.
// Adding a workload: a folder with register_<name>(Registry&), one xpb_workload() line in
// workloads/CMakeLists.txt, and one line below.
#include "workloads/register_all.hpp"

namespace xpb::workloads {

#ifdef XPB_HAS_ERNIE
void register_ernie(Registry& r);
#endif
#ifdef XPB_HAS_GPT
void register_gpt(Registry& r);
#endif
#ifdef XPB_HAS_MICRO
void register_micro(Registry& r);
#endif
#ifdef XPB_HAS_MLP
void register_mlp(Registry& r);
#endif
#ifdef XPB_HAS_STREAM
void register_stream(Registry& r);
#endif
void register_extra(Registry& r);  // generated from XPB_EXTRA_WORKLOAD_DIRS

void register_all(Registry& r) {
#ifdef XPB_HAS_ERNIE
  register_ernie(r);
#endif
#ifdef XPB_HAS_GPT
  register_gpt(r);
#endif
#ifdef XPB_HAS_MICRO
  register_micro(r);
#endif
#ifdef XPB_HAS_MLP
  register_mlp(r);
#endif
#ifdef XPB_HAS_STREAM
  register_stream(r);
#endif
  register_extra(r);
}

std::string built_workloads() { return XPB_WORKLOADS_BUILT; }

}  // namespace xpb::workloads
