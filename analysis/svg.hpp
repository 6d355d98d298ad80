// analysis/svg.hpp — a small SVG chart writer for the HTML report: one panel with axes, ticks,
// linear or log scales, lines, points with whiskers, a shaded band and a legend, as inline SVG
// text. It draws what it is given and decides nothing about the data (analysis/html_report.cpp
// does); it has no layout engine beyond one panel, no fonts to embed and no scripts.
#pragma once

#include <string>
#include <vector>

namespace xpb::analysis::svg {

// Text for XML and HTML bodies and attributes: & < > " ' escaped; bytes that are not valid UTF-8
// and control characters that XML 1.0 forbids become U+FFFD, so a name never breaks the page.
std::string escape(const std::string& s);

// A number for an SVG attribute: fixed point, two decimals, no locale ("12.5", "-3").
std::string coord(double v);

struct Tick {
  double value = 0;
  std::string label;
  bool major = true;  // minor ticks get a grid line but no label
};

struct Axis {
  std::string label;  // shown beside the axis, with its unit
  bool log = false;
  double lo = 0, hi = 1;                // data range shown (both > 0 on a log axis)
  std::vector<std::string> categories;  // non-empty: a categorical axis at 0 .. n-1

  static Axis linear(std::string label) { return with(std::move(label), false); }
  static Axis logarithmic(std::string label) { return with(std::move(label), true); }

 private:
  static Axis with(std::string label, bool log) {
    Axis a;
    a.label = std::move(label), a.log = log;
    return a;
  }
};

// Tick positions and labels for the range [lo, hi]: on a linear axis 1-2-5 steps giving about
// `target` ticks; on a log axis every decade (thinned to at most `target` labelled ones), with 2
// and 5 added when the range spans less than two decades.
std::vector<Tick> linear_ticks(double lo, double hi, int target = 6);
std::vector<Tick> log_ticks(double lo, double hi, int target = 6);

// [lo, hi] widened so the data does not touch the frame: by `pad` of the span on a linear axis,
// by that fraction of the decades on a log axis. Non-finite or non-positive (log) values are
// ignored; with none left the range is [0, 1] or [1, 10].
void fit_range(Axis& a, const std::vector<double>& values, double pad = 0.05);

// The colour of series `i` (a fixed palette that stays readable on white and in greyscale).
std::string colour(std::size_t i);

struct Whisker {
  double lo = 0, hi = 0;
};

class Panel {
 public:
  Panel(int width, int height, std::string title, Axis x, Axis y);

  // A polyline through the finite points (a gap where a value is not finite or not positive on a
  // log axis).
  void line(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& colour,
            const std::string& label, bool dashed = false);
  // One marker with optional vertical (and horizontal) whiskers; `label` goes to the legend once
  // per distinct label; `title` becomes the marker's tooltip.
  void point(double x, double y, const std::string& colour, const std::string& label,
             const Whisker* yw = nullptr, const Whisker* xw = nullptr, const std::string& title = "",
             char shape = 'o');
  // A shaded horizontal band y0..y1 across the panel (a parity band), with a legend entry.
  void band(double y0, double y1, const std::string& label);
  // A horizontal reference line across the panel.
  void hline(double y, const std::string& colour);
  // A legend entry with nothing drawn ('l' line, 'd' dashed, 'o' 's' '^' markers, 'b' band).
  void key(const std::string& label, const std::string& colour, char kind) {
    add_legend(label, colour, kind);
  }
  // A note at the top of the plot area (no data, say why); notes stack downwards.
  void note(const std::string& text);

  std::string str() const;  // the <svg> element

 private:
  double px(double x) const;  // data → pixel; NaN when not drawable
  double py(double y) const;
  std::string axes() const;
  void add_legend(const std::string& label, const std::string& colour, char kind);

  int m_w, m_h;
  std::string m_title;
  Axis m_x, m_y;
  double m_left, m_right, m_top, m_bottom;  // plot area in pixels
  std::string m_under, m_body;              // bands and grid-level drawing, then data
  int m_notes = 0;
  struct LegendEntry {
    std::string label, colour;
    char kind;  // 'l' line, 'd' dashed line, 'o' 's' '^' markers, 'b' band
  };
  std::vector<LegendEntry> m_legend;
  std::vector<LegendEntry> legend_entries() const;  // capped, long labels cut
  int legend(std::string* out) const;               // appends the legend to *out; returns its rows
};

}  // namespace xpb::analysis::svg
