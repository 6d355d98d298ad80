// core/base/interrupt.hpp — SIGINT and SIGTERM as a request to stop, checked between steps.
// The handler only records the signal (async-signal-safe; no work in it) and restores the default
// action, so a second Ctrl-C ends the process at once. Whoever runs a loop asks
// interrupt_signal() at a safe point and winds down itself. Process-wide by nature: a signal is
// delivered to the process.
#pragma once

namespace xpb {

// Installs the handlers for SIGINT and SIGTERM (idempotent).
void install_interrupt_handlers();
// The first SIGINT or SIGTERM received since install_interrupt_handlers(), else 0.
int interrupt_signal();

}  // namespace xpb
