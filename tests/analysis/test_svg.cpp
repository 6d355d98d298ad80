// tests/analysis/test_svg.cpp — the SVG chart writer: text escaping, numbers, tick placement on
// linear and log axes, ranges, and a panel's markup. Catches: a name that breaks the page's markup
// (an unescaped '<' or '&', bytes that are not UTF-8), ticks outside the range or at uneven log
// steps, a log axis that tries to show zero, ids that collide between the panels of one page.
#include <catch2/catch_test_macros.hpp>

#include <cmath>

#include "analysis/svg.hpp"

using namespace xpb::analysis::svg;

namespace {

std::vector<double> labelled(const std::vector<Tick>& ticks) {
  std::vector<double> v;
  for (const auto& t : ticks)
    if (t.major && !t.label.empty()) v.push_back(t.value);
  return v;
}

bool close(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b)); }

}  // namespace

TEST_CASE("escape: markup characters, bad UTF-8 and forbidden controls") {
  CHECK(escape("a<b & \"c\" 'd' >") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39; &gt;");
  CHECK(escape("</svg><script>") == "&lt;/svg&gt;&lt;script&gt;");
  CHECK(escape("\xC2\xB5s, \xE2\x80\x93, \xF0\x9F\x98\x80") == "\xC2\xB5s, \xE2\x80\x93, \xF0\x9F\x98\x80");
  CHECK(escape("tab\tnew\nline") == "tab\tnew\nline");
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  CHECK(escape(std::string("a\x01z")) == "a" + r + "z");
  CHECK(escape("\xFF") == r);                  // never a UTF-8 byte
  CHECK(escape("\xC0\xAF") == r + r);          // overlong '/'
  CHECK(escape("\xED\xA0\x80") == r + r + r);  // a surrogate
  CHECK(escape("\xE2\x80") == r + r);          // cut short
}

TEST_CASE("coord: two decimals, trailing zeros and negative zero dropped") {
  CHECK(coord(12.5) == "12.5");
  CHECK(coord(3) == "3");
  CHECK(coord(-0.001) == "0");
  CHECK(coord(-2.456) == "-2.46");
  CHECK(coord(NAN) == "0");
}

TEST_CASE("linear ticks: 1-2-5 steps inside the range") {
  const auto t = linear_ticks(0, 1, 5);
  REQUIRE(t.size() == 6);
  CHECK(t.front().label == "0.0");
  CHECK(t[1].label == "0.2");
  CHECK(t.back().label == "1.0");
  CHECK(linear_ticks(0, 50, 5)[1].label == "10");
  const auto u = linear_ticks(-3.2, 17.9, 5);
  for (const auto& x : u) CHECK((x.value >= -3.2 && x.value <= 17.9));
  CHECK(u.front().value == 0);
  CHECK(u[1].value == 5);
  CHECK(linear_ticks(1, 1).empty());
}

TEST_CASE("log ticks: decades, thinned when many, 2 and 5 when the range is short") {
  // Four decades: every power of ten labelled, minor ticks at 2..9 between them.
  const auto t = log_ticks(1, 1e4, 6);
  const auto v = labelled(t);
  REQUIRE(v.size() == 5);
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(close(v[i], std::pow(10.0, i)));
  bool minor_at_200 = false;
  for (const auto& x : t) minor_at_200 = minor_at_200 || (!x.major && close(x.value, 200));
  CHECK(minor_at_200);
  // Twenty decades with six labels at most: every fourth power labelled, evenly.
  const auto w = labelled(log_ticks(1e-10, 1e10, 6));
  CHECK(w.size() <= 6);
  REQUIRE(w.size() >= 2);
  for (std::size_t i = 1; i < w.size(); ++i) CHECK(close(w[i] / w[i - 1], w[1] / w[0]));
  // Under two decades: 1, 2 and 5 multiples.
  const auto s = labelled(log_ticks(1.5, 60, 6));
  REQUIRE(s.size() == 5);
  CHECK((close(s[0], 2) && close(s[1], 5) && close(s[2], 10) && close(s[3], 20) && close(s[4], 50)));
  // Labels: plain numbers in a readable range, exponents outside it.
  CHECK(log_ticks(1e-3, 1e3).front().label == "0.001");
  CHECK(labelled(log_ticks(1e9, 1e13)).size() == 5);
  CHECK(log_ticks(1e9, 1e13).front().label == "1e+09");
  CHECK(log_ticks(0, 10).empty());  // no log axis through zero
}

TEST_CASE("fit_range: padded, ignoring what a log axis cannot show") {
  Axis a = Axis::logarithmic("y");
  fit_range(a, {-1, 0, 10, 1000, NAN}, 0.1);
  CHECK(a.lo < 10);
  CHECK(a.lo > 1);
  CHECK(a.hi > 1000);
  CHECK(close(std::log10(10) - std::log10(a.lo), std::log10(a.hi) - std::log10(1000)));
  Axis b = Axis::linear("x");
  fit_range(b, {5, 5});
  CHECK((b.lo < 5 && b.hi > 5));
  Axis c = Axis::logarithmic("z");
  fit_range(c, {0, -3});
  CHECK((c.lo == 1 && c.hi == 10));
}

TEST_CASE("Panel: escaped text, no id, no URL, a legend entry per label") {
  Axis x = Axis::linear("step");
  x.lo = 0, x.hi = 10;
  Axis y = Axis::logarithmic("loss (nats/byte)");
  y.lo = 1, y.hi = 100;
  Panel p(500, 300, "a <b> & \"c\"", x, y);
  p.line({0, 5, 10}, {2, 20, -1}, colour(0), "run <1>");  // the last point is not drawable
  const Whisker w{3, 30};
  p.point(5, 10, colour(1), "median", &w);
  p.point(6, 12, colour(1), "median", &w);
  p.band(8, 12, "band");
  const std::string s = p.str();
  CHECK(s.rfind("<svg class=\"chart\" width=\"500\"", 0) == 0);
  CHECK(s.find("a &lt;b&gt; &amp; &quot;c&quot;") != std::string::npos);
  CHECK(s.find("run &lt;1&gt;") != std::string::npos);
  CHECK(s.find("<b>") == std::string::npos);
  CHECK(s.find("id=") == std::string::npos);
  CHECK(s.find("http") == std::string::npos);
  CHECK(s.find("points=\"0,") != std::string::npos);  // two drawable points: one polyline
  std::size_t medians = 0;
  for (std::size_t at = s.find(">median<"); at != std::string::npos; at = s.find(">median<", at + 1))
    ++medians;
  CHECK(medians == 1);
}
