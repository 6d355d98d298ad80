// workloads/text/byte_windows.cpp — drawing byte windows from the counter-based RNG.
#include "workloads/text/byte_windows.hpp"

#include "core/base/error.hpp"

namespace xpb::text {

ByteWindows::ByteWindows(const std::string* text, int batch, int context)
    : m_text(text), m_batch(batch), m_context(context) {
  XPB_ASSERT(text && text->size() > static_cast<std::size_t>(context) + 1, "text shorter than one window");
}

void ByteWindows::draw(const Rng& rng, std::uint64_t k, std::vector<int>& inputs,
                       std::vector<int>& targets) const {
  const std::size_t B = m_batch, T = m_context, span = m_text->size() - T;
  inputs.resize(B * T);
  targets.resize(B * T);
  for (std::size_t b = 0; b < B; ++b) {
    const std::size_t s = rng.below(k * B + b, span);
    for (std::size_t t = 0; t < T; ++t) {
      inputs[b * T + t] = static_cast<unsigned char>((*m_text)[s + t]);
      targets[b * T + t] = static_cast<unsigned char>((*m_text)[s + t + 1]);
    }
  }
}

}  // namespace xpb::text
