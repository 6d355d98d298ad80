// tests/workloads/test_ernie_baselines.cpp — the no-training baselines the ERNIE encoder must
// beat: copy-or-space and the count-based neighbour fill-in, on texts whose counts are worked out
// by hand in the comments.
#include <catch2/catch_test_macros.hpp>

#include <vector>

#include "workloads/ernie/baselines.hpp"
#include "workloads/ernie/vocab.hpp"

using namespace xpb::ernie;

TEST_CASE("ernie baselines: copy-or-space copies a visible byte and falls back on a special",
          "[workloads][ernie]") {
  CHECK(copy_or_fallback('q', ' ') == 'q');  // kept or random target: its input byte
  CHECK(copy_or_fallback(kMask, ' ') == ' ');
  CHECK(copy_or_fallback(kCls, 'e') == 'e');
}

TEST_CASE("ernie baselines: the fill-in uses the trigram, then the bigrams, then the majority byte",
          "[workloads][ernie]") {
  // Triples of "xay xay xby zcw": x?y is a twice, b once; x? -> a (2 of 3); ?w -> c; ?y -> a.
  // Bytes: x 3, a 2, y 3, ' ' 3, b 1, z 1, c 1, w 1: the most frequent is ' ' (ties: smallest
  // byte among x, y, ' ' is ' ' = 32).
  const NgramFillIn f("xay xay xby zcw");
  CHECK(f.majority() == ' ');
  auto predict = [&](std::vector<std::int32_t> row, int t) {
    return f.predict(row.data(), int(row.size()), t);
  };
  CHECK(predict({'x', kMask, 'y'}, 1) == 'a');     // trigram x?y: a 2, b 1
  CHECK(predict({'z', kMask, 'w'}, 1) == 'c');     // trigram z?w: c
  CHECK(predict({'x', kMask, kMask}, 1) == 'a');   // left bigram x?: a 2, b 1
  CHECK(predict({kMask, kMask, 'w'}, 1) == 'c');   // right bigram ?w: c
  CHECK(predict({kCls, kMask, kMask}, 1) == ' ');  // nothing visible: the majority byte
  CHECK(predict({'z', kMask, 'y'}, 1) == 'c');     // z?y never seen: the left bigram z? -> c
  CHECK(predict({'q', kMask, 'y'}, 1) == 'a');     // q is not in the text: the right bigram ?y -> a
  CHECK(predict({kMask, 'x', 'y'}, 0) == ' ');     // no left byte; 0+2 ?xy never occurs; 0+1 ?x: ' ' twice
}

TEST_CASE("ernie baselines: a longer visible context overrides the trigram", "[workloads][ernie]") {
  // x?y is a twice and b once, but q x ? y f and x ? y f occur only with b.
  const NgramFillIn f("pxaye qxbyf pxaye");
  auto predict = [&](std::vector<std::int32_t> row, int t) {
    return f.predict(row.data(), int(row.size()), t);
  };
  CHECK(predict({'p', 'x', kMask, 'y', 'e'}, 2) == 'a');      // 2+2: pxaye
  CHECK(predict({'q', 'x', kMask, 'y', 'f'}, 2) == 'b');      // 2+2: qxbyf
  CHECK(predict({kMask, 'x', kMask, 'y', 'f'}, 2) == 'b');    // 1+2: xbyf (the left [MASK] hides p/q)
  CHECK(predict({kMask, 'x', kMask, 'y', kMask}, 2) == 'a');  // 1+1: x?y, a 2 to b 1
  CHECK(predict({'z', 'x', kMask, 'y', 'e'}, 2) == 'a');      // z is unseen: 1+2 xaye
}
