// analysis/svg.cpp — the SVG panel: scales and ticks, then drawing, then the <svg> text.
// Coordinates are written with two decimals; the data sits in a nested <svg> that clips it to the
// plot area, so no element needs an id (many panels share one HTML page).
#include "analysis/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace xpb::analysis::svg {

// ------------------------------------------------------------------------------------------------
// Text and numbers

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (overlong forms,
// surrogates and code points above U+10FFFF are not valid).
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;                       // overlong
  if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
  if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
  if (n == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || c > 0xF4 || (c == 0xF4 && b(i + 1) >= 0x90)))
    return 0;  // overlong or above U+10FFFF
  return n;
}

}  // namespace

std::string escape(const std::string& s) {
  std::string o;
  o.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_length(s, i);
    if (n == 0) {
      o += kReplacement, ++i;
      continue;
    }
    if (n > 1) {
      o.append(s, i, n), i += n;
      continue;
    }
    const char c = s[i++];
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default:
        // XML 1.0 allows tab, newline and carriage return of the C0 controls, nothing else.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          o += kReplacement;
        else
          o += c;
    }
  }
  return o;
}

std::string coord(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  // "12.50" → "12.5", "3.00" → "3", "-0.00" → "0": shorter files, same drawing.
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

namespace {

std::string tick_text(double v, double step) {
  char buf[64];
  // Every label of an axis with the same decimals ("0.0 0.5 1.0"), set by the step.
  const double a = std::fabs(v);
  if (a != 0 && (a >= 1e5 || a < 1e-3)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    const int decimals = step > 0 ? std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9))) : 3;
    std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 6), v);
  }
  return buf;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Ticks and ranges

std::vector<Tick> linear_ticks(double lo, double hi, int target) {
  std::vector<Tick> out;
  if (!(std::isfinite(lo) && std::isfinite(hi)) || hi <= lo || target < 1) return out;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw * (1 - 1e-9)) {
      step = m * mag;
      break;
    }
  const double eps = step * 1e-6;
  for (double k = std::ceil((lo - eps) / step); k * step <= hi + eps; k += 1) {
    double v = k * step;
    if (std::fabs(v) < eps) v = 0;
    out.push_back({v, tick_text(v, step), true});
  }
  return out;
}

std::vector<Tick> log_ticks(double lo, double hi, int target) {
  std::vector<Tick> out;
  if (!(lo > 0 && hi > lo && std::isfinite(hi)) || target < 1) return out;
  const double l0 = std::log10(lo), l1 = std::log10(hi);
  const double eps = 1e-9;
  const int d0 = static_cast<int>(std::ceil(l0 - eps)), d1 = static_cast<int>(std::floor(l1 + eps));
  const int decades = d1 - d0 + 1;  // powers of ten inside [lo, hi]
  auto inside = [&](double v) { return v >= lo * (1 - eps) && v <= hi * (1 + eps); };
  auto label = [](double v) {
    char buf[32];
    const double a = std::fabs(v);
    std::snprintf(buf, sizeof buf, a >= 1e5 || a < 1e-3 ? "%.0e" : "%.6g", v);
    return std::string(buf);
  };
  if (l1 - l0 < 2) {
    // Less than two decades: 1, 2 and 5 of each decade are labelled.
    for (int d = static_cast<int>(std::floor(l0)); d <= static_cast<int>(std::ceil(l1)); ++d)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, d);
        if (inside(v)) out.push_back({v, label(v), true});
      }
    if (out.size() < 2) {  // a very narrow range: linear ticks read better
      out = linear_ticks(lo, hi, target);
      for (auto& t : out)
        if (t.value <= 0) t.label.clear(), t.major = false;
    }
    return out;
  }
  const int stride = std::max(1, (decades + target - 1) / target);
  for (int d = static_cast<int>(std::floor(l0)); d <= static_cast<int>(std::ceil(l1)); ++d) {
    const double v = std::pow(10.0, d);
    if (inside(v)) {
      const bool major = ((d - d0) % stride) == 0;
      out.push_back({v, major ? label(v) : "", major});
    }
    if (l1 - l0 <= 6)  // minor ticks at 2..9 while they stay readable
      for (int m = 2; m <= 9; ++m)
        if (inside(m * v)) out.push_back({m * v, "", false});
  }
  return out;
}

void fit_range(Axis& a, const std::vector<double>& values, double pad) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values)
    if (std::isfinite(v) && (!a.log || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) {
    a.lo = a.log ? 1 : 0, a.hi = a.log ? 10 : 1;
    return;
  }
  if (a.log) {
    double l0 = std::log10(lo), l1 = std::log10(hi);
    if (l1 - l0 < 1e-9) l0 -= 0.5, l1 += 0.5;
    const double span = l1 - l0;
    a.lo = std::pow(10.0, l0 - pad * span), a.hi = std::pow(10.0, l1 + pad * span);
    return;
  }
  if (hi - lo < 1e-300) {
    const double d = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= d, hi += d;
  }
  const double span = hi - lo;
  a.lo = lo - pad * span, a.hi = hi + pad * span;
}

std::string colour(std::size_t i) {
  // Okabe and Ito's colour-blind-safe palette ("Color Universal Design", 2002), yellow replaced by
  // a darker olive that keeps contrast on white.
  static const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                   "#E69F00", "#56B4E9", "#999933", "#000000"};
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

// ------------------------------------------------------------------------------------------------
// Panel: geometry and drawing

namespace {

constexpr double kCharWidth = 6.2;  // average advance of an 11 px sans-serif glyph, for layout only

// `s` cut to about `room` pixels of text, with an ellipsis when cut.
std::string fit(const std::string& s, double room) {
  const std::size_t n = static_cast<std::size_t>(std::max(4.0, room / kCharWidth));
  return s.size() <= n ? s : s.substr(0, n - 1) + "\xE2\x80\xA6";
}

std::size_t longest(const std::vector<std::string>& v) {
  std::size_t n = 0;
  for (const auto& s : v) n = std::max(n, s.size());
  return n;
}

}  // namespace

Panel::Panel(int width, int height, std::string title, Axis x, Axis y)
    : m_w(width), m_h(height), m_title(std::move(title)), m_x(std::move(x)), m_y(std::move(y)) {
  if (!m_x.categories.empty()) m_x.log = false, m_x.lo = -0.5, m_x.hi = m_x.categories.size() - 0.5;
  if (m_x.log && !(m_x.lo > 0 && m_x.hi > m_x.lo)) m_x.lo = 1, m_x.hi = 10;
  if (m_y.log && !(m_y.lo > 0 && m_y.hi > m_y.lo)) m_y.lo = 1, m_y.hi = 10;
  if (!(m_x.hi > m_x.lo)) m_x.hi = m_x.lo + 1;
  if (!(m_y.hi > m_y.lo)) m_y.hi = m_y.lo + 1;
  m_left = 70, m_right = m_w - 14, m_top = 30;
  // Category names are written at 35 degrees: their length (capped at 40 characters) sets the
  // room under the axis.
  const double below = m_x.categories.empty()
                           ? 44
                           : 46 + 0.6 * kCharWidth * std::min<std::size_t>(40, longest(m_x.categories));
  m_bottom = m_h - below;
  if (m_bottom - m_top < 60) m_bottom = m_top + 60, m_h = static_cast<int>(m_bottom + below);
}

double Panel::px(double x) const {
  double t;
  if (m_x.log) {
    if (!(x > 0) || !std::isfinite(x)) return NAN;
    t = (std::log10(x) - std::log10(m_x.lo)) / (std::log10(m_x.hi) - std::log10(m_x.lo));
  } else {
    if (!std::isfinite(x)) return NAN;
    t = (x - m_x.lo) / (m_x.hi - m_x.lo);
  }
  return t * (m_right - m_left);
}

double Panel::py(double y) const {
  double t;
  if (m_y.log) {
    if (!(y > 0) || !std::isfinite(y)) return NAN;
    t = (std::log10(y) - std::log10(m_y.lo)) / (std::log10(m_y.hi) - std::log10(m_y.lo));
  } else {
    if (!std::isfinite(y)) return NAN;
    t = (y - m_y.lo) / (m_y.hi - m_y.lo);
  }
  return (1 - t) * (m_bottom - m_top);
}

void Panel::add_legend(const std::string& label, const std::string& colour, char kind) {
  if (label.empty()) return;
  for (const auto& e : m_legend)
    if (e.label == label) return;
  m_legend.push_back({label, colour, kind});
}

void Panel::line(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& colour,
                 const std::string& label, bool dashed) {
  std::string pts;
  auto flush = [&] {
    if (pts.find(' ') != std::string::npos)  // two points or more
      m_body += "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"1.6\"" +
                (dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"" + pts + "\"/>\n";
    pts.clear();
  };
  for (std::size_t i = 0; i < std::min(xs.size(), ys.size()); ++i) {
    const double x = px(xs[i]), y = py(ys[i]);
    if (std::isnan(x) || std::isnan(y)) {
      flush();
      continue;
    }
    pts += (pts.empty() ? "" : " ") + coord(x) + "," + coord(y);
  }
  flush();
  add_legend(label, colour, dashed ? 'd' : 'l');
}

namespace {

std::string marker(double x, double y, const std::string& c, char shape) {
  const std::string fill = "fill=\"" + c + "\" stroke=\"#fff\" stroke-width=\"0.8\"";
  if (shape == 's')
    return "<rect x=\"" + coord(x - 3.5) + "\" y=\"" + coord(y - 3.5) + "\" width=\"7\" height=\"7\" " +
           fill + "/>";
  if (shape == '^')
    return "<polygon points=\"" + coord(x) + "," + coord(y - 4.5) + " " + coord(x - 4) + "," + coord(y + 3) +
           " " + coord(x + 4) + "," + coord(y + 3) + "\" " + fill + "/>";
  return "<circle cx=\"" + coord(x) + "\" cy=\"" + coord(y) + "\" r=\"3.8\" " + fill + "/>";
}

}  // namespace

void Panel::point(double x, double y, const std::string& c, const std::string& label, const Whisker* yw,
                  const Whisker* xw, const std::string& title, char shape) {
  const double X = px(x), Y = py(y);
  if (std::isnan(X) || std::isnan(Y)) return;
  std::string g = "<g>";
  if (!title.empty()) g += "<title>" + escape(title) + "</title>";
  const std::string stroke = "stroke=\"" + c + "\" stroke-width=\"1.2\"";
  if (yw) {
    const double a = std::isnan(py(yw->lo)) ? m_bottom - m_top : py(yw->lo), b = py(yw->hi);
    if (!std::isnan(b)) {
      g += "<path d=\"M" + coord(X) + " " + coord(a) + "V" + coord(b) + "M" + coord(X - 3) + " " + coord(a) +
           "h6M" + coord(X - 3) + " " + coord(b) + "h6\" " + stroke + "/>";
    }
  }
  if (xw) {
    const double a = std::isnan(px(xw->lo)) ? 0 : px(xw->lo), b = px(xw->hi);
    if (!std::isnan(b))
      g += "<path d=\"M" + coord(a) + " " + coord(Y) + "H" + coord(b) + "\" " + stroke + "/>";
  }
  g += marker(X, Y, c, shape) + "</g>\n";
  m_body += g;
  add_legend(label, c, shape);
}

void Panel::band(double y0, double y1, const std::string& label) {
  double a = py(y0), b = py(y1);
  if (std::isnan(a)) a = m_bottom - m_top;
  if (std::isnan(b)) return;
  if (a < b) std::swap(a, b);
  m_under += "<rect x=\"0\" y=\"" + coord(b) + "\" width=\"" + coord(m_right - m_left) + "\" height=\"" +
             coord(a - b) + "\" fill=\"#888\" fill-opacity=\"0.22\"/>\n";
  add_legend(label, "#888", 'b');
}

void Panel::hline(double y, const std::string& c) {
  const double Y = py(y);
  if (std::isnan(Y)) return;
  m_under += "<path d=\"M0 " + coord(Y) + "H" + coord(m_right - m_left) + "\" stroke=\"" + c +
             "\" stroke-width=\"1\"/>\n";
}

void Panel::note(const std::string& text) {
  m_body += "<text x=\"" + coord((m_right - m_left) / 2) + "\" y=\"" + coord(16 + 14 * m_notes++) +
            "\" text-anchor=\"middle\" fill=\"#555\">" + escape(text) + "</text>\n";
}

// ------------------------------------------------------------------------------------------------
// Panel: the SVG text

std::string Panel::axes() const {
  std::string s;
  const double pw = m_right - m_left, ph = m_bottom - m_top;
  // Grid and ticks. On a categorical axis the ticks are the categories.
  std::vector<Tick> xt;
  if (!m_x.categories.empty()) {
    // Rotated names need about 14 px each; with more categories than fit, every k-th is named
    // (each point keeps its full name as a tooltip).
    const std::size_t n = m_x.categories.size();
    const std::size_t fit = std::max<std::size_t>(1, static_cast<std::size_t>(pw / 14));
    const std::size_t k = (n + fit - 1) / fit;
    for (std::size_t i = 0; i < n; ++i)
      xt.push_back({double(i), i % k == 0 ? m_x.categories[i] : "", i % k == 0});
  } else {
    xt = m_x.log ? log_ticks(m_x.lo, m_x.hi) : linear_ticks(m_x.lo, m_x.hi);
  }
  const auto yt = m_y.log ? log_ticks(m_y.lo, m_y.hi, 5) : linear_ticks(m_y.lo, m_y.hi, 5);
  for (const auto& t : xt) {
    const double X = m_left + px(t.value);
    if (std::isnan(X) || X < m_left - 0.5 || X > m_right + 0.5) continue;
    s += "<path d=\"M" + coord(X) + " " + coord(m_top) + "V" + coord(m_bottom) + "\" stroke=\"" +
         (t.major ? "#ddd" : "#eee") + "\"/>";
    if (t.label.empty()) continue;
    if (m_x.categories.empty()) {
      s += "<text x=\"" + coord(X) + "\" y=\"" + coord(m_bottom + 15) + "\" text-anchor=\"middle\">" +
           escape(t.label) + "</text>\n";
    } else {
      std::string text = t.label.size() > 40 ? t.label.substr(0, 39) + "\xE2\x80\xA6" : t.label;
      s += "<text transform=\"translate(" + coord(X + 3) + "," + coord(m_bottom + 12) +
           ") rotate(35)\" text-anchor=\"start\"><title>" + escape(t.label) + "</title>" + escape(text) +
           "</text>\n";
    }
  }
  for (const auto& t : yt) {
    const double Y = m_top + py(t.value);
    if (std::isnan(Y) || Y < m_top - 0.5 || Y > m_bottom + 0.5) continue;
    s += "<path d=\"M" + coord(m_left) + " " + coord(Y) + "H" + coord(m_right) + "\" stroke=\"" +
         (t.major ? "#ddd" : "#eee") + "\"/>";
    if (!t.label.empty())
      s += "<text x=\"" + coord(m_left - 5) + "\" y=\"" + coord(Y + 4) + "\" text-anchor=\"end\">" +
           escape(t.label) + "</text>\n";
  }
  s += "<rect x=\"" + coord(m_left) + "\" y=\"" + coord(m_top) + "\" width=\"" + coord(pw) + "\" height=\"" +
       coord(ph) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  s += "<text class=\"title\" x=\"" + coord(m_w / 2.0) + "\" y=\"18\" text-anchor=\"middle\"><title>" +
       escape(m_title) + "</title>" + escape(fit(m_title, (m_w - 16) * 0.75)) + "</text>\n";
  const double xlabel_y = m_x.categories.empty() ? m_bottom + 34 : m_h - 6.0;
  s += "<text class=\"xlabel\" x=\"" + coord(m_left + pw / 2) + "\" y=\"" + coord(xlabel_y) +
       "\" text-anchor=\"middle\">" + escape(fit(m_x.label, pw)) + "</text>\n";
  s += "<text class=\"ylabel\" transform=\"translate(14," + coord(m_top + ph / 2) +
       ") rotate(-90)\" text-anchor=\"middle\"><title>" + escape(m_y.label) + "</title>" +
       escape(fit(m_y.label, ph + 20)) + "</text>\n";
  return s;
}

namespace {

constexpr std::size_t kMaxLegend = 24;      // entries shown; the rest are counted in one more
constexpr std::size_t kMaxLegendText = 60;  // characters of one entry
constexpr double kLegendCharWidth = 6.9;    // legend text is not cut, so its width is overestimated

}  // namespace

std::vector<Panel::LegendEntry> Panel::legend_entries() const {
  std::vector<LegendEntry> v(m_legend.begin(), m_legend.begin() + std::min(m_legend.size(), kMaxLegend));
  if (m_legend.size() > kMaxLegend)
    v.push_back({std::to_string(m_legend.size() - kMaxLegend) + " more (hover the points)", "", ' '});
  for (auto& e : v)
    if (e.label.size() > kMaxLegendText) e.label = e.label.substr(0, kMaxLegendText - 1) + "\xE2\x80\xA6";
  return v;
}

// Entries in rows under the panel, wrapped at its width; returns the rows used.
int Panel::legend(std::string* out) const {
  double x = m_left, y = m_h + 6;
  int rows = 0;
  for (const auto& e : legend_entries()) {
    const double w = 30 + kLegendCharWidth * e.label.size();
    if (rows == 0 || (x > m_left && x + w > m_w)) x = m_left, y += rows ? 16 : 0, ++rows;
    const double cy = y + 6;
    std::string key;
    if (e.kind == 'l' || e.kind == 'd')
      key = "<path d=\"M" + coord(x) + " " + coord(cy) + "h18\" stroke=\"" + e.colour +
            "\" stroke-width=\"2\"" + (e.kind == 'd' ? " stroke-dasharray=\"5 3\"" : "") + "/>";
    else if (e.kind == 'b')
      key = "<rect x=\"" + coord(x) + "\" y=\"" + coord(cy - 5) +
            "\" width=\"18\" height=\"10\" fill=\"#888\" fill-opacity=\"0.22\"/>";
    else if (e.kind != ' ')
      key = marker(x + 9, cy, e.colour, e.kind);
    if (out)
      *out += key + "<text x=\"" + coord(x + 23) + "\" y=\"" + coord(cy + 4) + "\">" + escape(e.label) +
              "</text>\n";
    x += w;
  }
  return rows;
}

std::string Panel::str() const {
  const int rows = legend(nullptr);
  const int height = m_h + rows * 16 + (rows ? 8 : 0);
  std::string s = "<svg class=\"chart\" width=\"" + std::to_string(m_w) + "\" height=\"" +
                  std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(m_w) + " " +
                  std::to_string(height) + "\" role=\"img\">\n<title>" + escape(m_title) + "</title>\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  s += axes();
  s += "<svg x=\"" + coord(m_left) + "\" y=\"" + coord(m_top) + "\" width=\"" + coord(m_right - m_left) +
       "\" height=\"" + coord(m_bottom - m_top) + "\" overflow=\"hidden\">\n" + m_under + m_body + "</svg>\n";
  legend(&s);
  return s + "</svg>\n";
}

}  // namespace xpb::analysis::svg
