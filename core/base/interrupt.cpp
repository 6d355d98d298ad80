// core/base/interrupt.cpp — the flag the SIGINT/SIGTERM handler sets.
#include "core/base/interrupt.hpp"

#include <signal.h>

#include <csignal>

namespace xpb {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_interrupt(int sig) {
  if (g_signal == 0) g_signal = sig;
  std::signal(sig, SIG_DFL);  // the next one is not asked twice
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int interrupt_signal() { return static_cast<int>(g_signal); }

}  // namespace xpb
