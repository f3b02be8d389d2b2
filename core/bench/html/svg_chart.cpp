#include "bench/html/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/html/format.hpp"

namespace edgectl::bench::html {
namespace {

// Geometry in SVG user units; the page scales the chart to its column (viewBox).
constexpr double kWidth = 560;
constexpr double kHeight = 320;
constexpr double kMarginLeft = 72;    // room for y tick labels such as "250,000"
constexpr double kMarginRight = 20;   // the last x tick label is centred on the edge
constexpr double kMarginTop = 28;     // the legend row
constexpr double kMarginBottom = 52;  // x tick labels, then the axis title
constexpr double kPlotWidth = kWidth - kMarginLeft - kMarginRight;
constexpr double kPlotHeight = kHeight - kMarginTop - kMarginBottom;
constexpr double kTickLength = 5;
constexpr double kTickLabelGap = 4;  // between a tick's end and its label
constexpr double kFontSize = 12;     // tick labels, legend, titles
constexpr double kNoDataFontSize = 16;
constexpr double kXTitleOffset = 40;  // below the plot area
constexpr double kYTitleOffset = 56;  // left of the plot area (rotated)
constexpr double kLineWidth = 2;
constexpr double kBarOpacity = 0.55;    // overlapping bars of two runs stay visible
constexpr double kLegendSwatch = 14;    // line or square length in the legend
constexpr double kLegendCharWidth = 7;  // an estimate: SVG text cannot be measured here
constexpr double kLegendGap = 18;       // between legend items
constexpr double kLegendBaseline = 16;  // from the top of the chart
constexpr int kTargetTicks = 5;         // linear axes aim for about this many intervals
// max/step is computed in floating point: 3.0000000001 intervals is still 3.
constexpr double kIntervalSlack = 1e-9;
constexpr const char* kDashPattern = "6 4";
constexpr const char* kAxisColor = "#444";
constexpr const char* kGridColor = "#e4e4e4";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double to_px_x(const Axis& a, double x) {
  double span = a.max > a.min ? a.max - a.min : 1;
  return kMarginLeft + (std::clamp(x, a.min, a.max) - a.min) / span * kPlotWidth;
}

double to_px_y(const Axis& a, double y) {
  double span = a.max > a.min ? a.max - a.min : 1;
  return kMarginTop + kPlotHeight - (std::clamp(y, a.min, a.max) - a.min) / span * kPlotHeight;
}

std::string text(double x, double y, const std::string& anchor, const std::string& content,
                 const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" + extra +
         ">" + escape(content) + "</text>";
}

std::string axes(const Chart& c) {
  std::string out =
      "<g class=\"axes\" font-size=\"" + num(kFontSize) + "\" fill=\"" + kAxisColor + "\">";
  double bottom = kMarginTop + kPlotHeight;
  for (const auto& t : c.x.ticks) {
    double px = to_px_x(c.x, t.at);
    out += "<line x1=\"" + num(px) + "\" y1=\"" + num(kMarginTop) + "\" x2=\"" + num(px) +
           "\" y2=\"" + num(bottom) + "\" stroke=\"" + kGridColor + "\"/>";
    out += "<line x1=\"" + num(px) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(px) + "\" y2=\"" +
           num(bottom + kTickLength) + "\" stroke=\"" + kAxisColor + "\"/>";
    out += text(px, bottom + kTickLength + kTickLabelGap + kFontSize, "middle", t.label);
  }
  for (const auto& t : c.y.ticks) {
    double py = to_px_y(c.y, t.at);
    out += "<line x1=\"" + num(kMarginLeft) + "\" y1=\"" + num(py) + "\" x2=\"" +
           num(kMarginLeft + kPlotWidth) + "\" y2=\"" + num(py) + "\" stroke=\"" + kGridColor +
           "\"/>";
    out += "<line x1=\"" + num(kMarginLeft - kTickLength) + "\" y1=\"" + num(py) + "\" x2=\"" +
           num(kMarginLeft) + "\" y2=\"" + num(py) + "\" stroke=\"" + kAxisColor + "\"/>";
    out += text(kMarginLeft - kTickLength - kTickLabelGap, py + kFontSize / 3, "end", t.label);
  }
  out += "<rect x=\"" + num(kMarginLeft) + "\" y=\"" + num(kMarginTop) + "\" width=\"" +
         num(kPlotWidth) + "\" height=\"" + num(kPlotHeight) + "\" fill=\"none\" stroke=\"" +
         kAxisColor + "\"/>";
  out += text(kMarginLeft + kPlotWidth / 2, bottom + kXTitleOffset, "middle", c.x.title);
  double ty = kMarginTop + kPlotHeight / 2, tx = kMarginLeft - kYTitleOffset;
  out += text(tx, ty, "middle", c.y.title,
              " transform=\"rotate(-90 " + num(tx) + " " + num(ty) + ")\"");
  return out + "</g>";
}

std::string bars(const Chart& c) {
  std::string out;
  for (const auto& s : c.bars) {
    out += "<g class=\"bars\" fill=\"" + escape(s.color) + "\" fill-opacity=\"" + num(kBarOpacity) +
           "\">";
    for (const auto& b : s.bars) {
      double x0 = to_px_x(c.x, b.x0), x1 = to_px_x(c.x, b.x1), top = to_px_y(c.y, b.height);
      out += "<rect x=\"" + num(x0) + "\" y=\"" + num(top) + "\" width=\"" + num(x1 - x0) +
             "\" height=\"" + num(to_px_y(c.y, c.y.min) - top) + "\"/>";
    }
    out += "</g>";
  }
  return out;
}

std::string lines(const Chart& c) {
  std::string out;
  for (const auto& s : c.lines) {
    if (s.points.empty()) continue;
    std::string dash = s.dashed ? std::string(" stroke-dasharray=\"") + kDashPattern + "\"" : "";
    out += "<polyline class=\"line\" fill=\"none\" stroke=\"" + escape(s.color) +
           "\" stroke-width=\"" + num(kLineWidth) + "\"" + dash + " points=\"";
    for (const auto& [x, y] : s.points)
      out += num(to_px_x(c.x, x)) + "," + num(to_px_y(c.y, y)) + " ";
    out += "\"/>";
    // One point draws no line: mark it.
    if (s.points.size() == 1) {
      auto [x, y] = s.points.front();
      out += "<circle cx=\"" + num(to_px_x(c.x, x)) + "\" cy=\"" + num(to_px_y(c.y, y)) +
             "\" r=\"" + num(kLineWidth * 2) + "\" fill=\"" + escape(s.color) + "\"/>";
    }
  }
  return out;
}

std::string legend(const Chart& c) {
  if (c.bars.size() + c.lines.size() < 2) return "";
  std::string out = "<g class=\"legend\" font-size=\"" + num(kFontSize) + "\">";
  double x = kMarginLeft;
  double mid = kLegendBaseline - kFontSize / 3;
  for (const auto& s : c.bars) {
    out += "<rect x=\"" + num(x) + "\" y=\"" + num(mid - kLegendSwatch / 2) + "\" width=\"" +
           num(kLegendSwatch) + "\" height=\"" + num(kLegendSwatch) + "\" fill=\"" +
           escape(s.color) + "\" fill-opacity=\"" + num(kBarOpacity) + "\"/>";
    out += text(x + kLegendSwatch + kTickLabelGap, kLegendBaseline, "start", s.name);
    x += kLegendSwatch + kTickLabelGap + kLegendCharWidth * s.name.size() + kLegendGap;
  }
  for (const auto& s : c.lines) {
    std::string dash = s.dashed ? std::string(" stroke-dasharray=\"") + kDashPattern + "\"" : "";
    out += "<line x1=\"" + num(x) + "\" y1=\"" + num(mid) + "\" x2=\"" + num(x + kLegendSwatch) +
           "\" y2=\"" + num(mid) + "\" stroke=\"" + escape(s.color) + "\" stroke-width=\"" +
           num(kLineWidth) + "\"" + dash + "/>";
    out += text(x + kLegendSwatch + kTickLabelGap, kLegendBaseline, "start", s.name);
    x += kLegendSwatch + kTickLabelGap + kLegendCharWidth * s.name.size() + kLegendGap;
  }
  return out + "</g>";
}

bool has_data(const Chart& c) {
  for (const auto& s : c.bars)
    if (!s.bars.empty()) return true;
  for (const auto& s : c.lines)
    if (!s.points.empty()) return true;
  return false;
}

// 1, 2 or 5 times a power of ten: the smallest such step giving at most kTargetTicks intervals.
double nice_step(double max_value) {
  double raw = max_value / kTargetTicks;
  double power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

}  // namespace

std::string render_svg(const Chart& c) {
  std::string out = "<svg id=\"" + escape(c.id) + "\" class=\"chart\" viewBox=\"0 0 " +
                    num(kWidth) + " " + num(kHeight) + "\" role=\"img\" aria-labelledby=\"" +
                    escape(c.id) + "-title\"><title id=\"" + escape(c.id) + "-title\">" +
                    escape(c.title) + "</title><desc>" + escape(c.description) + "</desc>";
  if (!has_data(c)) {
    out += "<rect x=\"" + num(kMarginLeft) + "\" y=\"" + num(kMarginTop) + "\" width=\"" +
           num(kPlotWidth) + "\" height=\"" + num(kPlotHeight) + "\" fill=\"none\" stroke=\"" +
           kAxisColor + "\"/>";
    out += text(kMarginLeft + kPlotWidth / 2, kMarginTop + kPlotHeight / 2, "middle", "no data",
                " class=\"no-data\" fill=\"" + std::string(kAxisColor) + "\" font-size=\"" +
                    num(kNoDataFontSize) + "\"");
    return out + "</svg>";
  }
  return out + axes(c) + bars(c) + lines(c) + legend(c) + "</svg>";
}

Axis linear_axis(std::string title, double max_value) {
  Axis axis{std::move(title), 0, 1, {}};
  if (!(max_value > 0) || !std::isfinite(max_value)) max_value = 1;
  double step = nice_step(max_value);
  int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step))));
  int intervals = static_cast<int>(std::ceil(max_value / step - kIntervalSlack));
  axis.max = intervals * step;
  for (int i = 0; i <= intervals; ++i)
    axis.ticks.push_back({i * step, format_grouped(i * step, decimals)});
  return axis;
}

}  // namespace edgectl::bench::html
