// core/run/noise.hpp — what the machine was doing while a cell ran, and whether its timings are noisy.
// Reads the 1-minute load average and the CPU frequency and governor (each "unreadable" when the
// system does not expose it), measures a cell's dispersion (IQR / median of its timed steps) and
// says why a cell is noisy. It does not change a cell's status: a noisy cell's numbers stay valid.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace xpb {

// Dispersion above which a cell is noisy: about the 95th percentile of the quickstart's stream and
// gemm cells on the 2-core development VM with no load of ours added (2 of 30 above it), exceeded by
// 9 of 30 with two busy loops added (docs/performance.md, "Noise").
inline constexpr double kNoisyDispersion = 0.5;

// The host's state at one moment.
struct HostConditions {
  std::optional<double> load_1min;  // /proc/loadavg, first field (unset: unreadable)
  std::string cpu_freq;             // "<MHz> MHz (mean of N cpus)" or "unreadable"
  std::string cpu_governor;         // scaling_governor of cpu0 (all when they agree) or "unreadable"
};

// Reads /proc/loadavg and /sys/devices/system/cpu/cpu*/cpufreq. Test-only seam: when
// $XPB_TEST_LOADAVG is set, its value is the load average (tests/core/run/test_noise.cpp,
// tests/cli/cli_tests.cmake); never set it in a real run.
HostConditions read_host_conditions();

// IQR / median of the samples (quartiles as describe() computes them); unset with fewer than
// two samples or a median that is not positive.
std::optional<double> dispersion(const std::vector<double>& samples);

// Logical CPUs online on this machine (sysconf), at least 1: what the load average is measured
// against.
int online_cpus();

// Why a cell is noisy (empty: it is not): its dispersion is above `threshold`, or the load average
// at its start or end is above the `cpus` online, i.e. the machine had more runnable tasks than
// CPUs and some of them, the run's threads among them, waited. (The other reading, "the others'
// load exceeds the cores the run leaves them", (load - threads) > (cpus - threads), is the same
// rule: the run's own threads cancel.) Comparing with the run's threads instead would flag every
// cell of a run that leaves cores to others, whose own threads make a load of `threads` already.
std::vector<std::string> noise_reasons(std::optional<double> dispersion, std::optional<double> load_start,
                                       std::optional<double> load_end, int cpus,
                                       double threshold = kNoisyDispersion);

}  // namespace xpb
